//! Freedom of Information requests refused under section 14 (§9, R-DP-4): vexatious or
//! repeated requests, recorded against the person and shown in their history.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FoiGround {
    Vexatious,
    Repeated,
}

impl FoiGround {
    pub const ALL: [FoiGround; 2] = [FoiGround::Vexatious, FoiGround::Repeated];

    pub fn as_str(self) -> &'static str {
        match self {
            FoiGround::Vexatious => "vexatious",
            FoiGround::Repeated => "repeated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FoiGround::Vexatious => "Vexatious (FOI Act s.14(1))",
            FoiGround::Repeated => "Repeated (FOI Act s.14(2))",
        }
    }
}

impl fmt::Display for FoiGround {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown FOI refusal ground {0:?}")]
pub struct UnknownFoiGround(pub String);

impl FromStr for FoiGround {
    type Err = UnknownFoiGround;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FoiGround::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| UnknownFoiGround(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_dp_4_grounds_are_section_14_vexatious_or_repeated() {
        for ground in FoiGround::ALL {
            assert_eq!(ground.as_str().parse::<FoiGround>(), Ok(ground));
        }
        assert!("rude".parse::<FoiGround>().is_err());
    }
}
