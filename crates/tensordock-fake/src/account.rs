//! What the two TensorDock fakes' handles share: the machines they keep
//! (v0's VMs, v2's instances), each as the JSON its get answers, and a
//! balance charged by a [`Meter`]. `Fake`'s inspection and billing methods
//! are these functions on either fake's state.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::meter::Meter;

/// A machine a fake keeps.
pub(crate) trait Machine {
    /// It as its get answers it.
    fn json(&self) -> &Value;
}

/// A fake's account: its machines and its balance.
pub(crate) trait Account {
    /// What it keeps its machines as.
    type Machine: Machine;
    /// Every machine, by id.
    fn machines(&self) -> &BTreeMap<String, Self::Machine>;
    /// The clock its billing runs on.
    fn meter_mut(&mut self) -> &mut Meter;
    /// Charges every machine for the time since the last charge.
    fn charge(&mut self);
    /// The balance (USD) as last charged.
    fn balance(&self) -> f64;
}

/// The machine `id` as the typed value its get answers (without counting
/// as a read).
pub(crate) fn typed<T: serde::de::DeserializeOwned>(account: &impl Account, id: &str) -> Option<T> {
    let value = account.machines().get(id)?.json().clone();
    serde_json::from_value(value).ok()
}

/// The machine `id`'s status now.
pub(crate) fn status(account: &impl Account, id: &str) -> Option<String> {
    let machine = account.machines().get(id)?;
    machine.json()["status"].as_str().map(str::to_string)
}

/// The ids of every machine.
pub(crate) fn ids(account: &impl Account) -> Vec<String> {
    account.machines().keys().cloned().collect()
}

/// The balance now, after charging the time since the last charge.
pub(crate) fn balance(account: &mut impl Account) -> f64 {
    account.charge();
    account.balance()
}

/// Lets `time` pass for billing: every machine is charged for it at once.
pub(crate) fn advance(account: &mut impl Account, time: Duration) {
    account.meter_mut().advance(time);
    account.charge();
}

/// Makes a fake's `State` an [`Account`] whose machines are the map field
/// `$machines` of `$machine`s, each kept as its field `value`; its
/// `meter`, `balance` and inherent `charge` are the rest.
macro_rules! impl_account {
    ($state:ty, $machine:ty, $machines:ident) => {
        impl $crate::account::Machine for $machine {
            fn json(&self) -> &::serde_json::Value {
                &self.value
            }
        }

        impl $crate::account::Account for $state {
            type Machine = $machine;

            fn machines(&self) -> &::std::collections::BTreeMap<String, $machine> {
                &self.$machines
            }

            fn meter_mut(&mut self) -> &mut $crate::meter::Meter {
                &mut self.meter
            }

            fn charge(&mut self) {
                <$state>::charge(self);
            }

            fn balance(&self) -> f64 {
                self.balance
            }
        }
    };
}
pub(crate) use impl_account;
