//! A small program against the embedded fakes, built from the packaged
//! crates.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Built without `tls-ring`: a client built before the program installs
    // a TLS provider is an error naming the feature, not a panic.
    let early = neolink_api::Neolink::with_config("http://127.0.0.1:9", "token");
    let err = early.err().ok_or("a client was built without a TLS provider")?;
    println!("before a TLS provider: {err}");
    assert!(err.to_string().contains("tls-ring"), "{err}");
    rustls::crypto::ring::default_provider()
        .install_default()
        .map_err(|_| "a TLS provider was already installed")?;

    // Neolink and TensorDock: their fake crates.
    let nl_fake = neolink_fake::Fake::start().await?;
    let name = nl_fake.add_instance("notebook", "Running");
    let neolink =
        neolink_api::Neolink::with_config(nl_fake.base_url(), neolink_fake::TOKEN)?;
    let list = neolink.instances(nl_fake.cluster()).await?;
    println!("neolink: {} instance(s): {:?}", list.nodes.len(), list.nodes[0].name);
    assert_eq!(list.nodes[0].name, name);

    let td_fake = tensordock_fake::v2::Fake::start().await?;
    let id = td_fake.add_instance("trainer-2", "running");
    let td = tensordock_api::v2::TensorDock::with_config(
        td_fake.base_url(),
        tensordock_fake::v2::TOKEN,
    )?;
    let instances = td.instances().await?;
    println!("tensordock v2: {} instance(s): {}", instances.len(), instances[0].id);
    assert_eq!(instances[0].id, id);

    // CloudTower: its fake logs in, runs the start's task, keeps the state.
    let ct_fake = cloudtower_fake::Fake::start().await?;
    let web = ct_fake.add_vm("web-01", cloudtower_api::types::VmStatus::Stopped);
    let ct = cloudtower_api::CloudTower::login(
        ct_fake.base_url(),
        cloudtower_fake::DEFAULT_USERNAME,
        cloudtower_fake::DEFAULT_PASSWORD,
        cloudtower_api::UserSource::Local,
    )
    .await?
    .with_task_wait(cloudtower_api::TaskWait::new().interval(cloudtower_fake::FAST_POLL));
    ct.start_instance(&web).await?;
    let vms = ct.instances().await?;
    println!("cloudtower: {} VM(s): {} {}", vms.len(), vms[0].name, vms[0].status);
    assert_eq!(vms[0].status, cloudtower_api::types::VmStatus::Running);

    println!("outside project: ok");
    Ok(())
}
