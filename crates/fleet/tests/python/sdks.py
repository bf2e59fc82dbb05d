"""The official Python SDKs against `fleet fake serve`.

Run by crates/fleet/tests/python_sdks.rs with the emulator's start line
(`fleet fake serve -o json`) as its one argument. It drives the
cloudtower-sdk (log in, create a VM, start it, wait for its tasks with the
SDK's own wait_tasks, list it by name, delete it) and every public method
of the tensordock SDK (API v0), asserts what each answers, and prints one
JSON line of the ids it made, for the Rust test to check the emulator's
state through its control plane.
"""

import json
import sys
import urllib.request

import tensordock
from cloudtower import ApiClient, Configuration
from cloudtower.api import TaskApi, UserApi, VmApi
from cloudtower.models import (
    GetVmsRequestBody,
    LoginInput,
    UserSource,
    VmWhereInput,
)
from cloudtower.utils import wait_tasks

started = json.loads(sys.argv[1])
providers = started["providers"]


def control(provider, route):
    """GET a control-plane route of one fake, as JSON."""
    with urllib.request.urlopen(providers[provider]["control_url"] + route) as r:
        return json.load(r)


# ---- CloudTower: the official SDK ------------------------------------
ct = providers["cloudtower"]
conf = Configuration(host=ct["base_url"])
client = ApiClient(conf)
login = UserApi(client).login(
    LoginInput(
        username=ct["credentials"]["username"],
        password=ct["credentials"]["password"],
        source=UserSource.LOCAL,
    )
)
conf.api_key["Authorization"] = login.data.token
vms = VmApi(client)
cluster = vms.get_vms(GetVmsRequestBody(where=VmWhereInput(name="web-01")))[0].cluster.id
created = vms.create_vm(
    [
        {
            "cluster_id": cluster,
            "name": "sdk-vm-01",
            "ha": False,
            "cpu_cores": 1,
            "cpu_sockets": 2,
            "memory": 2,
            "memory_unit": "GB",
            "status": "STOPPED",
            "firmware": "BIOS",
            "vm_nics": [],
            "vm_disks": {},
        }
    ]
)
vm_id = created[0].data.id
wait_tasks([c.task_id for c in created], client, interval=0.05, timeout=30)
started_vm = vms.start_vm({"where": {"id": vm_id}})
wait_tasks([s.task_id for s in started_vm], client, interval=0.05, timeout=30)
found = vms.get_vms(GetVmsRequestBody(where=VmWhereInput(name="sdk-vm-01")))
assert [v.id for v in found] == [vm_id], found
assert found[0].status == "RUNNING", found[0].status
# Everything the SDK's models require is there to read.
assert TaskApi(client).get_tasks({"where": {"id": started_vm[0].task_id}})[0].status == "SUCCESSED"
deleted = vms.delete_vm({"where": {"id": vm_id}})
wait_tasks([d.task_id for d in deleted], client, interval=0.05, timeout=30)
assert vms.get_vms(GetVmsRequestBody(where=VmWhereInput(name="sdk-vm-01"))) == []

# ---- TensorDock v0: every public method of the tensordock SDK ---------
td_info = providers["tensordock-v0"]
td = tensordock.TensorDockAPI(
    td_info["credentials"]["api_key"], td_info["credentials"]["api_token"]
)
td.base_url = td_info["base_url"]
called = []


def call(dotted, /, *args, **kwargs):
    """Calls one SDK method by its dotted name; its answer."""
    group, method = dotted.split(".")
    answer = getattr(getattr(td, group), method)(*args, **kwargs)
    called.append(dotted)
    return answer


assert call("authorization.test_authorization")["success"] is True
assert "authorizations" in call("authorization.list_authorizations")
assert call("billing.get_balance")["balance"] > 0
call("billing.get_revenue")
call("billing.get_monthly_summary", "2024-01")
hostnodes = call("virtual_machines.get_available_hostnodes", min_gpu_count=1)["hostnodes"]
hostnode = next(iter(hostnodes))
node = call("virtual_machines.get_hostnode_details", hostnode)["hostnode"]
gpu_model = next(iter(node["specs"]["gpu"]))
port = node["networking"]["ports"][-1]
spec = dict(gpu_count=1, gpu_model=gpu_model, vcpus=2, ram=4, storage=20, hostnode=hostnode)
assert call("virtual_machines.validate_spot_price_new", price=5, **spec)["success"] is True
deployed = call(
    "virtual_machines.deploy_vm",
    name="sdk-vm",
    password="not-a-real-password-1",
    external_ports="{%d}" % port,
    internal_ports="{22}",
    operating_system="Ubuntu 22.04 LTS",
    **spec,
)
server = deployed["server"]
assert server in call("virtual_machines.list_vms")["virtualmachines"]
assert call("virtual_machines.get_vm_details", server)["virtualmachines"]["name"] == "sdk-vm"
call("virtual_machines.validate_spot_price_existing", server, 5)
call("virtual_machines.stop_vm", server)
for _ in range(5):  # the stop settles over reads
    status = call("virtual_machines.get_vm_details", server)["virtualmachines"]["status"]
    if status == "Stopped":
        break
assert status == "Stopped", status
assert call("virtual_machines.modify_vm", server, vcpus=4)["success"] is True
call("virtual_machines.start_vm", server)
assert call(
    "containers.deploy_container",
    display_name="sdk-container",
    project_id="sdk-container",
    image_name="strm/helloworld-http",
    registry_type="public",
    gpu_count=1,
    gpu_models=[gpu_model],
    replicas=2,
    ram=4,
    vcpus=2,
    storage=20,
    networking_port=80,
    max_vm_rate_hourly=1.5,
)["success"] is True
# The deploy answers no id: the emulator's state names it.
container = next(iter(control("tensordock-v0", "/state")["state"]["containers"]))
assert len(call("containers.get_container_replicas", container)["result"]) == 2
call("containers.scale_container", container, 1)
call("containers.stop_container", container)
call("virtual_machines.delete_vm", server)

public = sorted(
    f"{group}.{m}"
    for group in ("authorization", "billing", "virtual_machines", "containers")
    for m in dir(getattr(td, group))
    if not m.startswith("_") and m != "api"
)
assert sorted(set(called)) == public, set(public) - set(called)
print(json.dumps({"cloudtower_vm": vm_id, "tensordock_vm": server,
                  "tensordock_container": container, "tensordock_methods": len(public)}))
