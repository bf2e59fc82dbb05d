//! The fake's human-readable texts in both of CloudTower's languages,
//! chosen per request by `content-language` (`zh-CN`, else English, the
//! service's default). The wording is the fake's own: CloudTower's
//! documents do not list its messages, so tests should match on the
//! status, the `code` and the resource named, not on whole sentences.

use http::HeaderMap;

use crate::words::WORDS;

/// A response language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// `en-US`, the default (also for `*` and anything unknown).
    En,
    /// `zh-CN`.
    Zh,
}

impl Lang {
    /// The language a request asks for.
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        match headers
            .get("content-language")
            .and_then(|v| v.to_str().ok())
        {
            Some(v) if v.trim().eq_ignore_ascii_case("zh-CN") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// The `content-language` value of this language.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Lang::En => "en-US",
            Lang::Zh => "zh-CN",
        }
    }
}

/// The key under which a record keeps its texts in Chinese, which
/// `content-language: zh-CN` answers instead (see `service::localized`);
/// the `__` prefix keeps it out of answers.
pub(crate) const ZH: &str = "__zh-CN";

/// A text in both languages, for a record to keep.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Texts {
    /// In English.
    pub en: String,
    /// In Chinese.
    pub zh: String,
}

impl Texts {
    /// A text someone else wrote (a test's failure message), the same in
    /// both languages.
    pub(crate) fn same(text: &str) -> Self {
        Self {
            en: text.to_string(),
            zh: text.to_string(),
        }
    }
}

/// Every text the fake produces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message<'a> {
    /// No or an unknown `Authorization` token.
    Unauthorized,
    /// Login with a wrong username or password.
    BadCredentials,
    /// A request the spec does not allow: the frame is translated, the
    /// detail (which field, what it must be) is the validator's.
    Invalid(&'a str),
    /// A mutation without its `where`.
    WhereRequired,
    /// A create whose sync timed out after it took effect (the named fault
    /// `duplicate-vm-after-sync-timeout`).
    SyncTimeout,
    /// A task failed: the host lacks memory for the VM.
    InsufficientMemory,
    /// A task failed: the cluster lacks storage.
    InsufficientStorage,
    /// What a task of `operation` on the resource `name` does: its
    /// `description`.
    Task { operation: &'a str, name: &'a str },
    /// A request no operation serves.
    NoRoute { method: &'a str, path: &'a str },
    /// An injected fault's answer (a fault rule with a `status`).
    Injected(u16),
    /// A resource has an unfinished task.
    Locked { kind: &'a str, id: &'a str },
    /// A VM is in the wrong power state for an operation.
    WrongState {
        vm: &'a str,
        status: &'a str,
        action: Action,
    },
    /// A referenced resource does not exist.
    NotFound { kind: &'a str, id: &'a str },
}

/// A VM power action, for state errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Start or resume.
    Start,
    /// Shut down, power off, restart or suspend.
    Stop,
    /// Suspend.
    Suspend,
    /// Resume.
    Resume,
    /// Restart.
    Restart,
}

impl Action {
    fn en(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Stop => "stopped",
            Action::Suspend => "suspended",
            Action::Resume => "resumed",
            Action::Restart => "restarted",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Action::Start => "启动",
            Action::Stop => "关闭",
            Action::Suspend => "暂停",
            Action::Resume => "恢复",
            Action::Restart => "重启",
        }
    }
}

/// A VM power state in Chinese, as the console names it.
fn status_zh(status: &str) -> &str {
    match status {
        "RUNNING" => "运行中",
        "STOPPED" => "已关机",
        "SUSPENDED" => "已暂停",
        "DELETED" => "已删除",
        other => other,
    }
}

/// `StartVm` as words: `["Start", "Vm"]`.
fn camel_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices() {
        if c.is_uppercase() && i > start {
            words.push(&name[start..i]);
            start = i;
        }
    }
    if start < name.len() {
        words.push(&name[start..]);
    }
    words
}

/// `StartVm` as task words: `Start vm`.
fn words_en(name: &str) -> String {
    let words = camel_words(name);
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
            out.push_str(&word.to_lowercase());
        } else {
            out.push_str(word);
        }
    }
    out
}

/// The words of `name` (an operation or a collection) that [`WORDS`] has
/// no Chinese for.
#[cfg(test)]
pub(crate) fn untranslated(name: &str) -> Vec<&str> {
    camel_words(name)
        .into_iter()
        .filter(|w| !WORDS.iter().any(|(en, _)| en == w))
        .collect()
}

/// `StartVm` in Chinese: `启动虚拟机`.
fn words_zh(name: &str) -> String {
    camel_words(name)
        .into_iter()
        .map(|w| {
            WORDS
                .iter()
                .find(|(en, _)| *en == w)
                .map_or(w, |(_, zh)| *zh)
        })
        .collect()
}

impl Message<'_> {
    /// The text in both languages.
    pub(crate) fn texts(&self) -> Texts {
        Texts {
            en: self.text(Lang::En),
            zh: self.text(Lang::Zh),
        }
    }

    /// The text in `lang`.
    pub(crate) fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Message::Unauthorized, Lang::En) => {
                "Unauthorized: log in and send the token in the Authorization header".into()
            }
            (Message::Unauthorized, Lang::Zh) => {
                "未授权：请先登录，并在 Authorization 请求头中发送令牌".into()
            }
            (Message::BadCredentials, Lang::En) => "Invalid username or password".into(),
            (Message::BadCredentials, Lang::Zh) => "用户名或密码错误".into(),
            (Message::Invalid(problem), Lang::En) => format!("Invalid request: {problem}"),
            (Message::Invalid(problem), Lang::Zh) => format!("请求无效：{problem}"),
            (Message::Locked { kind, id }, Lang::En) => format!("Resource [{kind}-{id}] locked"),
            (Message::Locked { kind, id }, Lang::Zh) => format!("资源 [{kind}-{id}] 已被锁定"),
            (Message::WrongState { vm, status, action }, Lang::En) => {
                format!(
                    "VM {vm} is {}, so it cannot be {}",
                    status.to_lowercase(),
                    action.en()
                )
            }
            (Message::WrongState { vm, status, action }, Lang::Zh) => {
                format!("虚拟机 {vm} {}，无法{}", status_zh(status), action.zh())
            }
            (Message::NotFound { kind, id }, Lang::En) => format!("{kind} {id} not found"),
            (Message::NotFound { kind, id }, Lang::Zh) => {
                format!("{} {id} 不存在", words_zh(kind))
            }
            (Message::WhereRequired, Lang::En) => "Invalid request: `where` is required".into(),
            (Message::WhereRequired, Lang::Zh) => "请求无效：缺少 `where`".into(),
            (Message::SyncTimeout, Lang::En) => {
                "Sync VM timeout: the operation may still complete".into()
            }
            (Message::SyncTimeout, Lang::Zh) => "同步虚拟机超时：操作可能仍会完成".into(),
            (Message::InsufficientMemory, Lang::En) => {
                "Insufficient memory: the host has not enough free memory for the VM".into()
            }
            (Message::InsufficientMemory, Lang::Zh) => {
                "内存不足：主机没有足够的空闲内存运行该虚拟机".into()
            }
            (Message::InsufficientStorage, Lang::En) => {
                "Insufficient storage: the cluster has not enough free space".into()
            }
            (Message::InsufficientStorage, Lang::Zh) => {
                "存储空间不足：集群没有足够的可用空间".into()
            }
            (Message::Task { operation, name }, Lang::En) => {
                format!("{} {name}", words_en(operation))
            }
            (Message::Task { operation, name }, Lang::Zh) => {
                format!("{} {name}", words_zh(operation))
            }
            (Message::NoRoute { method, path }, Lang::En) => {
                format!("No operation serves {method} {path}")
            }
            (Message::NoRoute { method, path }, Lang::Zh) => {
                format!("没有操作处理 {method} {path}")
            }
            (Message::Injected(status), Lang::En) => format!("Injected fault: HTTP {status}"),
            (Message::Injected(status), Lang::Zh) => format!("注入的故障：HTTP {status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_chooses_the_language() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of(&headers), Lang::En);
        headers.insert("content-language", http::HeaderValue::from_static("zh-CN"));
        assert_eq!(Lang::of(&headers), Lang::Zh);
        headers.insert("content-language", http::HeaderValue::from_static("*"));
        assert_eq!(Lang::of(&headers), Lang::En);
    }

    const ACTIONS: [Action; 5] = [
        Action::Start,
        Action::Stop,
        Action::Suspend,
        Action::Resume,
        Action::Restart,
    ];

    /// One message of each kind the fake produces (each power action, each
    /// power state a refusal names).
    fn every_message() -> Vec<Message<'static>> {
        let mut all = vec![
            Message::Unauthorized,
            Message::BadCredentials,
            Message::Invalid("`first` must be a non-negative integer, not -1"),
            Message::WhereRequired,
            Message::SyncTimeout,
            Message::InsufficientMemory,
            Message::InsufficientStorage,
            Message::Task {
                operation: "StartVm",
                name: "web-01",
            },
            Message::Locked {
                kind: "VM",
                id: "cl2k1",
            },
            Message::NotFound {
                kind: "operation",
                id: "Frobnicate",
            },
            Message::NotFound {
                kind: "Cluster",
                id: "cl2k1",
            },
            Message::NoRoute {
                method: "POST",
                path: "/frobnicate-vm",
            },
            Message::Injected(503),
        ];
        for status in ["RUNNING", "STOPPED", "SUSPENDED", "DELETED"] {
            for action in ACTIONS {
                all.push(Message::WrongState {
                    vm: "web-01",
                    status,
                    action,
                });
            }
        }
        all
    }

    /// Which kind of message `m` is. No `_` arm: a new kind fails to
    /// compile here until it is numbered, and then the test below fails
    /// until `every_message` has one.
    fn kind(m: &Message<'_>) -> usize {
        match m {
            Message::Unauthorized => 0,
            Message::BadCredentials => 1,
            Message::Invalid(_) => 2,
            Message::WhereRequired => 3,
            Message::SyncTimeout => 4,
            Message::InsufficientMemory => 5,
            Message::InsufficientStorage => 6,
            Message::Task { .. } => 7,
            Message::Locked { .. } => 8,
            Message::WrongState { .. } => 9,
            Message::NotFound { .. } => 10,
            Message::NoRoute { .. } => 11,
            Message::Injected(_) => 12,
        }
    }
    const KINDS: usize = 13;

    fn has_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_message_exists_in_both_languages_and_they_differ() {
        let all = every_message();
        let kinds: std::collections::BTreeSet<usize> = all.iter().map(kind).collect();
        assert_eq!(kinds.len(), KINDS, "every kind of message is walked");
        for m in &all {
            let Texts { en, zh } = m.texts();
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{m:?}");
            assert_ne!(en, zh, "{m:?}");
            assert!(!has_chinese(&en), "{m:?}: {en}");
            assert!(has_chinese(&zh), "{m:?}: {zh}");
        }
    }

    #[test]
    fn every_action_and_state_has_its_own_words() {
        let zh: std::collections::BTreeSet<&str> = ACTIONS.iter().map(|a| a.zh()).collect();
        let en: std::collections::BTreeSet<&str> = ACTIONS.iter().map(|a| a.en()).collect();
        assert_eq!((zh.len(), en.len()), (ACTIONS.len(), ACTIONS.len()));
        for status in ["RUNNING", "STOPPED", "SUSPENDED", "DELETED"] {
            assert!(has_chinese(status_zh(status)), "{status}");
        }
    }

    #[test]
    fn operation_names_read_as_words_in_both_languages() {
        assert_eq!(words_en("StartVm"), "Start vm");
        assert_eq!(words_zh("StartVm"), "启动虚拟机");
        assert_eq!(words_zh("MoveVmToRecycleBin"), "移动虚拟机至回收站");
        assert_eq!(
            words_zh("Frobnicate"),
            "Frobnicate",
            "an unknown word stays"
        );
        assert_eq!(camel_words("AddVmCdRom"), ["Add", "Vm", "Cd", "Rom"]);
    }

    #[test]
    fn state_errors_name_the_vm_in_both_languages() {
        let m = Message::WrongState {
            vm: "web-01",
            status: "RUNNING",
            action: Action::Start,
        };
        assert_eq!(
            m.text(Lang::En),
            "VM web-01 is running, so it cannot be started"
        );
        assert_eq!(m.text(Lang::Zh), "虚拟机 web-01 运行中，无法启动");
    }
}
