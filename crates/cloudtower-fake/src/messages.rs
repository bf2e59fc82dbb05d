//! The fake's human-readable texts in both of CloudTower's languages,
//! chosen per request by `content-language` (`zh-CN`, else English, the
//! service's default). The wording is the fake's own: CloudTower's
//! documents do not list its messages, so tests should match on the
//! status, the `code` and the resource named, not on whole sentences.

use http::HeaderMap;

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

/// Every text the fake produces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message<'a> {
    /// No or an unknown `Authorization` token.
    Unauthorized,
    /// Login with a wrong username or password.
    BadCredentials,
    /// A request the spec does not allow (the transport's wording).
    Invalid(&'a str),
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

impl Message<'_> {
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
            (Message::NotFound { kind, id }, Lang::Zh) => format!("{kind} {id} 不存在"),
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
