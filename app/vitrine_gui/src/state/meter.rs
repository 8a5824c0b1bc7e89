//! What a progress display shows of a background job: the phase by name, how many phases it has been
//! through, and a fraction that never goes back within a phase (a new phase counts from zero again, and
//! says so by its name and step).

use vitrine_snapshot::progress::ProgressView;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meter {
    /// The phase shown, as the job names it.
    pub phase: String,
    /// 1 for the first phase seen, one more for each new one (0 before any).
    pub step: usize,
    /// The furthest fraction reached in this phase, in 0..=1.
    pub fraction: f32,
}

impl Meter {
    /// Takes a new reading of the job's progress.
    pub fn update(&mut self, view: &ProgressView) {
        if self.step == 0 || view.phase != self.phase {
            self.step += 1;
            self.phase.clone_from(&view.phase);
            self.fraction = view.fraction();
        } else {
            self.fraction = self.fraction.max(view.fraction());
        }
    }

    /// "step 2, symbols: writing 40%".
    pub fn label(&self) -> String {
        format!("step {}, {} {:.0}%", self.step.max(1), self.phase, self.fraction * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(phase: &str, done: u64, total: u64) -> ProgressView {
        ProgressView { phase: phase.into(), total_items: total, done_items: done, done_bytes: 0 }
    }

    #[test]
    fn names_each_phase_and_never_goes_back_within_one() {
        let mut m = Meter::default();
        m.update(&view("indexing", 19, 100));
        assert_eq!(m.label(), "step 1, indexing 19%");
        // A reading that goes back (a total grown, a counter read mid-update) is not shown.
        m.update(&view("indexing", 10, 100));
        assert_eq!(m.label(), "step 1, indexing 19%");
        m.update(&view("indexing", 50, 100));
        assert_eq!(m.fraction, 0.5);
        // The next phase counts from zero under its own name and step: never "19% -> 0%" unexplained.
        m.update(&view("writing index", 0, 1));
        assert_eq!(m.label(), "step 2, writing index 0%");
        m.update(&view("writing index", 1, 1));
        assert_eq!(m.label(), "step 2, writing index 100%");
    }
}
