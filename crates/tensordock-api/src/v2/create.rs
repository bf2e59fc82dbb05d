//! The typed create request: what a VM needs, without the wire format's
//! traps (the `{"data": {"type", "attributes"}}` wrapper, `type` sent
//! twice, the GPU map, the either-or fields).

use std::collections::{BTreeMap, HashMap};

use super::{PROVIDER, ext, types};
use crate::ports::PortMappings;
use cloud_common::{Error, ErrorKind};

/// Where a new instance is deployed: at a location or on a hostnode.
/// The API wants exactly one of `location_id` and `hostnode_id`; an enum
/// cannot hold both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Placement {
    /// At a location (`Location.id` from
    /// [`TensorDock::locations`](super::TensorDock::locations));
    /// TensorDock picks the hostnode.
    Location(String),
    /// On a hostnode (`Hostnode.id` from
    /// [`TensorDock::hostnodes`](super::TensorDock::hostnodes)), e.g. to
    /// choose external ports from its `available_ports`.
    Hostnode(String),
}

/// The SSH key installed in a new instance: the key itself or the id of an
/// `SSHKEY` secret. The API wants exactly one of `ssh_key` and
/// `ssh_key_id`; an enum cannot hold both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SshKey {
    /// The public key text, e.g. `ssh-ed25519 AAAA… me@laptop` (`ssh_key`).
    PublicKey(String),
    /// The id of a secret of kind `SSHKEY` (`ssh_key_id`), e.g. from
    /// [`TensorDock::create_ssh_key`](super::TensorDock::create_ssh_key).
    SecretId(String),
}

/// A typed createInstance request.
///
/// Name, image and placement are given up front; vCPUs, RAM and storage
/// must be set before sending (a request without them is an
/// [`ErrorKind::InvalidRequest`] error and is not sent). Everything else
/// is optional. Service-side rules (storage of at least 100 GB, a GPU at a
/// location, port 22 forwarded for Ubuntu without a dedicated IP) are left
/// to the server, which reports them as validation issues.
///
/// ```
/// use tensordock_api::ports::PortMappings;
/// use tensordock_api::v2::{CreateInstance, Placement, SshKey, types};
/// let request = CreateInstance::new("trainer", "ubuntu2404", Placement::Hostnode("hn-1".into()))
///     .vcpus(2)
///     .ram_gb(4)
///     .storage_gb(100)
///     .gpu("geforcertx4090-pcie-24gb", 1)
///     .ssh_key(SshKey::SecretId("sshkey-1".into()))
///     .ports(&PortMappings::new().map(20000, 22))
///     .cloud_init(types::CloudInit::builder().packages(vec!["htop".to_string()]).try_into().unwrap());
/// let body = serde_json::to_value(request.build().unwrap()).unwrap();
/// assert_eq!(body["data"]["type"], "virtualmachine");
/// assert_eq!(body["data"]["attributes"]["hostnode_id"], "hn-1");
/// assert_eq!(body["data"]["attributes"]["resources"]["gpus"]["geforcertx4090-pcie-24gb"]["count"], 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CreateInstance {
    name: String,
    image: String,
    placement: Placement,
    vcpus: Option<u32>,
    ram_gb: Option<u32>,
    storage_gb: Option<u32>,
    gpus: BTreeMap<String, u32>,
    ssh_key: Option<SshKey>,
    ports: PortMappings,
    dedicated_ip: Option<bool>,
    cloud_init: Option<types::CloudInit>,
}

impl CreateInstance {
    /// A request for an instance called `name` from OS image `image` (a
    /// slug such as `ubuntu2404`, `ubuntu2204` or `windows10`; no endpoint
    /// lists them), deployed at `placement`.
    pub fn new(name: impl Into<String>, image: impl Into<String>, placement: Placement) -> Self {
        Self {
            name: name.into(),
            image: image.into(),
            placement,
            vcpus: None,
            ram_gb: None,
            storage_gb: None,
            gpus: BTreeMap::new(),
            ssh_key: None,
            ports: PortMappings::new(),
            dedicated_ip: None,
            cloud_init: None,
        }
    }

    /// Replaces the placement, e.g. to retry at another location after
    /// "No available nodes found".
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// vCPUs (`vcpu_count`). Keep it even: modifyInstance changes it in
    /// steps of 2.
    pub fn vcpus(mut self, vcpus: u32) -> Self {
        self.vcpus = Some(vcpus);
        self
    }

    /// RAM in GB (`ram_gb`).
    pub fn ram_gb(mut self, gb: u32) -> Self {
        self.ram_gb = Some(gb);
        self
    }

    /// Storage in GB (`storage_gb`); the service wants at least 100.
    pub fn storage_gb(mut self, gb: u32) -> Self {
        self.storage_gb = Some(gb);
        self
    }

    /// Attaches `count` GPUs of `model` (a `v0Name` such as
    /// `geforcertx4090-pcie-24gb`). Setting a model again replaces its
    /// count.
    pub fn gpu(mut self, model: impl Into<String>, count: u32) -> Self {
        self.gpus.insert(model.into(), count);
        self
    }

    /// Attaches GPUs given as `(model, count)` pairs, as [`CreateInstance::gpu`]
    /// does for each.
    pub fn gpus<M: Into<String>>(mut self, gpus: impl IntoIterator<Item = (M, u32)>) -> Self {
        for (model, count) in gpus {
            self.gpus.insert(model.into(), count);
        }
        self
    }

    /// The SSH key to install. Linux images need one; Windows images do
    /// not.
    pub fn ssh_key(mut self, key: SshKey) -> Self {
        self.ssh_key = Some(key);
        self
    }

    /// Port forwards (`port_forwards`): external ports from the hostnode's
    /// `available_ports` to ports inside the VM. The service may reassign
    /// external ports: read the real ones back with
    /// [`InstanceExt::port_mappings`](super::InstanceExt::port_mappings).
    pub fn ports(mut self, ports: &PortMappings) -> Self {
        self.ports = ports.clone();
        self
    }

    /// Requests a dedicated public IP (`useDedicatedIp`), where the
    /// location's `network_features.dedicated_ip_available` allows it. With
    /// one, every port is reachable and no forwards are needed.
    pub fn dedicated_ip(mut self, dedicated: bool) -> Self {
        self.dedicated_ip = Some(dedicated);
        self
    }

    /// Cloud-init options (`cloud_init`): an object with `runcmd`,
    /// `packages`, `package_update`, `package_upgrade` and `write_files`,
    /// not a YAML string.
    pub fn cloud_init(mut self, cloud_init: types::CloudInit) -> Self {
        self.cloud_init = Some(cloud_init);
        self
    }

    /// The wire body: `{"data": {"type": "virtualmachine", "attributes":
    /// {…, "type": "virtualmachine"}}}` (the docs and every client send
    /// `type` in both places), with the GPUs as a map from model to
    /// `{"count": n}`.
    ///
    /// Fails with [`ErrorKind::InvalidRequest`] when vCPUs, RAM or storage
    /// are not set, a name, image or placement id is empty, or a GPU count
    /// is 0.
    pub fn build(&self) -> Result<types::CreateInstanceRequest, Error> {
        let invalid = |message: String| {
            Error::new(
                ErrorKind::InvalidRequest,
                PROVIDER,
                "createInstance",
                message,
            )
        };
        let required = |value: Option<u32>, what: &str| {
            value
                .map(i64::from)
                .ok_or_else(|| invalid(format!("the request sets no {what}; it is required")))
        };
        let resources = types::InstanceResourcesRequest {
            vcpu_count: required(self.vcpus, "vCPU count (`vcpus`)")?,
            ram_gb: required(self.ram_gb, "RAM (`ram_gb`)")?,
            storage_gb: required(self.storage_gb, "storage (`storage_gb`)")?,
            gpus: self
                .gpus
                .iter()
                .map(|(model, count)| {
                    if *count == 0 {
                        return Err(invalid(format!(
                            "GPU {model}: the count must be at least 1"
                        )));
                    }
                    Ok((
                        model.clone(),
                        types::GpuCount {
                            count: i64::from(*count),
                        },
                    ))
                })
                .collect::<Result<HashMap<_, _>, _>>()?,
        };
        for (value, what) in [(&self.name, "name"), (&self.image, "image")] {
            if value.trim().is_empty() {
                return Err(invalid(format!("the instance {what} is empty")));
            }
        }
        let (location_id, hostnode_id) = match &self.placement {
            Placement::Location(id) => (Some(id.clone()), None),
            Placement::Hostnode(id) => (None, Some(id.clone())),
        };
        if location_id
            .iter()
            .chain(&hostnode_id)
            .any(|id| id.trim().is_empty())
        {
            return Err(invalid("the placement id is empty".to_string()));
        }
        let (ssh_key, ssh_key_id) = match &self.ssh_key {
            Some(SshKey::PublicKey(key)) => (Some(key.clone()), None),
            Some(SshKey::SecretId(id)) => (None, Some(id.clone())),
            None => (None, None),
        };
        Ok(types::CreateInstanceRequest {
            data: types::CreateInstanceData {
                type_: types::InstanceResourceType::Virtualmachine,
                attributes: types::CreateInstanceAttributes {
                    name: self.name.clone(),
                    type_: types::InstanceResourceType::Virtualmachine,
                    image: self.image.clone(),
                    resources,
                    location_id,
                    hostnode_id,
                    use_dedicated_ip: self.dedicated_ip,
                    port_forwards: ext::forwards(&self.ports),
                    ssh_key,
                    ssh_key_id,
                    cloud_init: self.cloud_init.clone(),
                },
            },
        })
    }
}

/// So that a [`CreateInstance`] can also be given to the generated
/// client's `create_instance().body(…)`.
impl TryFrom<CreateInstance> for types::CreateInstanceRequest {
    type Error = Error;

    fn try_from(request: CreateInstance) -> Result<Self, Error> {
        request.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> CreateInstance {
        CreateInstance::new("n", "ubuntu2404", Placement::Location("loc-1".into()))
            .vcpus(4)
            .ram_gb(8)
            .storage_gb(200)
    }

    #[test]
    fn a_location_request_has_the_wrapper_the_map_and_no_hostnode() {
        let body = base()
            .gpus([("geforcertx4090-pcie-24gb", 2), ("h100-sxm5-80gb", 1)])
            .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA".into()))
            .dedicated_ip(true)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"data": {"type": "virtualmachine", "attributes": {
                "name": "n", "type": "virtualmachine", "image": "ubuntu2404",
                "resources": {"vcpu_count": 4, "ram_gb": 8, "storage_gb": 200, "gpus": {
                    "geforcertx4090-pcie-24gb": {"count": 2}, "h100-sxm5-80gb": {"count": 1}}},
                "location_id": "loc-1", "useDedicatedIp": true, "ssh_key": "ssh-ed25519 AAAA"
            }}})
        );
    }

    #[test]
    fn a_hostnode_request_names_only_the_hostnode_and_the_secret() {
        let body = base()
            .placement(Placement::Hostnode("hn-1".into()))
            .ssh_key(SshKey::SecretId("key-1".into()))
            .ports(&PortMappings::new().map(20000, 22))
            .build()
            .unwrap();
        let a = serde_json::to_value(body).unwrap()["data"]["attributes"].clone();
        assert_eq!(a["hostnode_id"], "hn-1");
        assert_eq!(a["ssh_key_id"], "key-1");
        assert_eq!(
            a["port_forwards"],
            json!([{"internal_port": 22, "external_port": 20000}])
        );
        for absent in ["location_id", "ssh_key", "cloud_init", "useDedicatedIp"] {
            assert!(a.get(absent).is_none(), "{absent} was sent: {a}");
        }
        assert!(a["resources"].get("gpus").is_none(), "no GPUs, no map");
    }

    #[test]
    fn missing_or_impossible_values_are_invalid_requests() {
        let no_storage = CreateInstance::new("n", "ubuntu2404", Placement::Location("l".into()))
            .vcpus(2)
            .ram_gb(4);
        let cases = [
            (no_storage, "storage"),
            (base().gpu("geforcertx4090-pcie-24gb", 0), "at least 1"),
            (
                base().placement(Placement::Hostnode(" ".into())),
                "placement",
            ),
            (
                CreateInstance::new("", "ubuntu2404", Placement::Location("l".into()))
                    .vcpus(2)
                    .ram_gb(4)
                    .storage_gb(100),
                "name",
            ),
        ];
        for (request, mention) in cases {
            let e = request.build().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert!(e.message().contains(mention), "{}", e.message());
        }
    }
}
