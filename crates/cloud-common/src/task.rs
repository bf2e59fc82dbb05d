//! What names an asynchronous task to wait for.

/// Something that names an asynchronous task to wait for, or `None` when
/// there is nothing to wait for: task ids (`&str`, `String`,
/// `Option<String>`, ...) and the answers of mutations that carry their
/// task (CloudTower's `WithTask_*`).
///
/// `cloud-codegen` implements it for every object schema with a string
/// `task_id` and a `data` property (what an asynchronous mutation
/// answers), together with `IntoIterator` for a reference to one, so a
/// waiting helper that takes any iterable of `TaskId`s takes one answer
/// (`&one`) as well as a list of them (`&many`).
///
/// ```
/// use cloud_common::TaskId;
/// assert_eq!("task-1".task_id(), Some("task-1"));
/// assert_eq!(None::<String>.task_id(), None);
/// ```
pub trait TaskId {
    /// The task id, if any.
    fn task_id(&self) -> Option<&str>;
}

impl TaskId for str {
    fn task_id(&self) -> Option<&str> {
        Some(self)
    }
}

impl TaskId for String {
    fn task_id(&self) -> Option<&str> {
        Some(self)
    }
}

impl TaskId for Option<String> {
    fn task_id(&self) -> Option<&str> {
        self.as_deref()
    }
}

impl TaskId for Option<&str> {
    fn task_id(&self) -> Option<&str> {
        *self
    }
}

impl<T: TaskId + ?Sized> TaskId for &T {
    fn task_id(&self) -> Option<&str> {
        (**self).task_id()
    }
}
