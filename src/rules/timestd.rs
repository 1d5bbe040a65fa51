//! Time standards (Mutu Baku) as written in SOPs: "5 menit", "1 x 24 jam hari kerja".

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
    WorkingMinutes,
    WorkingHours,
    WorkingDays,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeStandard {
    pub amount: u32,
    pub unit: TimeUnit,
    /// As written in the rule file.
    pub text: String,
}
