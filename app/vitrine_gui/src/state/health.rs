//! The snapshot's health findings grouped for the health panel (built once per snapshot).

use vitrine_snapshot::FindingKind;

/// The findings of a report grouped by kind (deceptive kinds first), as indexes into its findings: built
/// once per snapshot, so a frame never walks every finding.
#[derive(Debug, Default, Clone)]
pub struct HealthGroups {
    pub groups: Vec<(FindingKind, Vec<u32>)>,
}

impl HealthGroups {
    pub fn build(report: &vitrine_snapshot::HealthReport) -> HealthGroups {
        let mut groups: Vec<(FindingKind, Vec<u32>)> = Vec::new();
        for (i, f) in report.findings.iter().enumerate() {
            match groups.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, rows)) => rows.push(i as u32),
                None => groups.push((f.kind, vec![i as u32])),
            }
        }
        groups.sort_by_key(|(k, _)| (!k.is_deceptive(), *k));
        HealthGroups { groups }
    }
}
