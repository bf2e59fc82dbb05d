//! Release numbers of a service (`4.6.0`), as servers report them and as
//! specs record when an operation appeared.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A release number: dot-separated numbers (`4.6.0`, `4.4`), compared
/// number by number, a missing number counting as 0 (`4.4` is `4.4.0`).
///
/// Parsing reads the leading numbers and ignores a suffix after them
/// (`4.6.0-rc.1`, `v4.6.0`'s `v` prefix is accepted too), because servers
/// report builds that way; the suffix is kept for display only and plays
/// no part in comparisons.
///
/// ```
/// use cloud_common::Version;
/// let server: Version = "4.4.1-hotfix".parse().unwrap();
/// assert!(server >= "4.4.0".parse().unwrap());
/// assert!(server < "4.5.0".parse().unwrap());
/// assert_eq!("4.4".parse::<Version>().unwrap(), "4.4.0".parse().unwrap());
/// assert!("latest".parse::<Version>().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Version {
    numbers: Vec<u64>,
    text: String,
}

impl Version {
    /// The numbers, most significant first (`[4, 6, 0]`).
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// The numbers without trailing zeros, which is what equality means.
    fn significant(&self) -> &[u64] {
        let end = self
            .numbers
            .iter()
            .rposition(|n| *n != 0)
            .map_or(0, |i| i + 1);
        &self.numbers[..end]
    }
}

/// Why a text is not a [`Version`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseVersionError {
    text: String,
}

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a release number (numbers separated by dots, like 4.6.0)",
            self.text
        )
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for Version {
    type Err = ParseVersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseVersionError {
            text: text.to_string(),
        };
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix(['v', 'V'])
            .unwrap_or(trimmed)
            .trim_matches('"');
        let end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let numbers = body[..end]
            .trim_end_matches('.')
            .split('.')
            .map(|n| n.parse::<u64>().map_err(|_| error()))
            .collect::<Result<Vec<_>, _>>()?;
        // A suffix must be set off from the numbers (`4.6.0-rc.1`,
        // `4.6.0+build`), not glued to them (`4.6x`).
        let rest = &body[end..];
        if !(rest.is_empty() || rest.starts_with(['-', '+', ' ', '_'])) {
            return Err(error());
        }
        Ok(Self {
            numbers,
            text: trimmed.to_string(),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.significant() == other.significant()
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.significant().cmp(other.significant())
    }
}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.significant().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn compares_number_by_number() {
        assert!(v("4.10.0") > v("4.9.9"));
        assert!(v("4.0.0") < v("4.0.1"));
        assert!(v("5") > v("4.99"));
        assert_eq!(v("4.6"), v("4.6.0"));
        assert_eq!(v("v4.6.0"), v("4.6.0"));
        assert_eq!(v("4.6.0-rc.1"), v("4.6.0"));
        assert_eq!(v("\"4.6.0\""), v("4.6.0"));
        assert_eq!(v("4.6.0-rc.1").to_string(), "4.6.0-rc.1");
        assert_eq!(v("4.4.1").numbers(), [4, 4, 1]);
    }

    #[test]
    fn rejects_what_is_not_a_release_number() {
        for text in ["", "latest", "4..1", ".4", "4.6x", "-1", "4.x.0"] {
            let err = text.parse::<Version>().unwrap_err();
            assert!(err.to_string().contains("not a release number"), "{text}");
        }
    }
}
