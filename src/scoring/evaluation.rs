//! How good a learned model is on leads it was not trained on: ROC AUC, the calibration
//! table and the deterministic held-out split.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use super::logistic::{flag, Example, LogisticModel};

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// Area under the ROC curve: the chance that a random won lead scores higher
/// than a random lost one, ties counting one half (the Mann–Whitney U
/// statistic over `n_won * n_lost`, computed with average ranks).
///
/// Pairs beyond the shorter of the two slices are ignored. Returns 0.5 when
/// either class is empty (undefined: no better than chance).
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let n = scores.len().min(labels.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = labels[..n].iter().filter(|&&l| l).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their average.
        let rank = (start + 1 + end) as f64 / 2.0;
        positive_rank_sum += rank * order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        start = end;
    }
    let p = positives as f64;
    (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

/// Calibration table: predictions are put in `bins` equal-width bins over
/// [0, 1] (a prediction of exactly 1 goes in the last); for each non-empty
/// bin, in order, `(mean predicted, observed win rate, count)`. Empty bins are
/// left out. `bins` 0 is read as 1; pairs beyond the shorter slice are ignored.
pub fn calibration(probs: &[f64], labels: &[bool], bins: usize) -> Vec<(f64, f64, usize)> {
    let bins = bins.max(1);
    let mut sums = vec![(0.0, 0.0, 0usize); bins];
    for (&p, &won) in probs.iter().zip(labels) {
        let bin = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += p;
        sums[bin].1 += flag(won);
        sums[bin].2 += 1;
    }
    sums.into_iter()
        .filter(|s| s.2 > 0)
        .map(|(p, won, count)| (p / count as f64, won / count as f64, count))
        .collect()
}

/// Splits `items` deterministically: every `every`-th item (the 1-based
/// positions `every`, `2 * every`, …) goes to the held-out set, the rest to
/// training. Returns `(training, held_out)`. `every` 0 holds nothing out.
pub fn split_holdout<T: Clone>(items: &[T], every: usize) -> (Vec<T>, Vec<T>) {
    let mut training = Vec::new();
    let mut held_out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if every > 0 && (i + 1) % every == 0 {
            held_out.push(item.clone());
        } else {
            training.push(item.clone());
        }
    }
    (training, held_out)
}

/// How good a learned model is on leads it was not trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// ROC AUC on the held-out set (see [`auc`]).
    pub auc: f64,
    /// ROC AUC of a model giving every lead the same score: always 0.5.
    pub constant_auc: f64,
    /// Ten-bin calibration table on the held-out set (see [`calibration`]).
    pub calibration: Vec<(f64, f64, usize)>,
    /// Examples the model was trained on ([`LogisticModel::trained_on`]).
    pub train_size: usize,
    /// Held-out examples evaluated.
    pub holdout_size: usize,
}

/// Number of calibration bins used by [`evaluate`].
pub const CALIBRATION_BINS: usize = 10;

/// Evaluates `model` on held-out examples.
pub fn evaluate(model: &LogisticModel, holdout: &[Example]) -> Evaluation {
    let probs: Vec<f64> = holdout.iter().map(|e| model.predict(&e.features)).collect();
    let labels: Vec<bool> = holdout.iter().map(|e| e.won).collect();
    Evaluation {
        auc: auc(&probs, &labels),
        constant_auc: auc(&vec![0.5; labels.len()], &labels),
        calibration: calibration(&probs, &labels, CALIBRATION_BINS),
        train_size: model.trained_on,
        holdout_size: holdout.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::testing::*;

    // -----------------------------------------------------------------------
    // AUC
    // -----------------------------------------------------------------------

    #[test]
    fn auc_perfect_reversed_and_ties() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), 0.0);
        assert_eq!(auc(&[0.3; 4], &labels), 0.5);
        // Order of the input does not matter.
        assert_eq!(auc(&[0.8, 0.1, 0.9, 0.2], &[true, false, true, false]), 1.0);
    }

    #[test]
    fn auc_small_example_with_ties_by_hand() {
        // Won: 0.4, 0.8, 0.9. Lost: 0.1, 0.4, 0.8.
        // 0.4 beats 0.1, ties 0.4            -> 1.5
        // 0.8 beats 0.1 and 0.4, ties 0.8    -> 2.5
        // 0.9 beats all three                -> 3
        // (1.5 + 2.5 + 3) / (3 * 3) = 7/9
        let scores = [0.1, 0.4, 0.4, 0.8, 0.8, 0.9];
        let labels = [false, true, false, false, true, true];
        assert_close(auc(&scores, &labels), 7.0 / 9.0, 1e-12);
        // One won against two lost, tied with one: (1 + 0.5) / 2.
        assert_close(auc(&[0.2, 0.5, 0.5], &[false, false, true]), 0.75, 1e-12);
    }

    #[test]
    fn auc_undefined_with_one_class_is_half() {
        assert_eq!(auc(&[0.1, 0.9], &[true, true]), 0.5);
        assert_eq!(auc(&[0.1, 0.9], &[false, false]), 0.5);
        assert_eq!(auc(&[], &[]), 0.5);
    }

    // -----------------------------------------------------------------------
    // Evaluation helpers
    // -----------------------------------------------------------------------

    #[test]
    fn calibration_bins_by_hand() {
        let probs = [0.05, 0.15, 0.12, 0.95, 1.0];
        let labels = [false, true, false, true, true];
        let table = calibration(&probs, &labels, 10);
        assert_eq!(table.len(), 3);
        assert_eq!(table[0], (0.05, 0.0, 1));
        assert_close(table[1].0, 0.135, 1e-12);
        assert_eq!((table[1].1, table[1].2), (0.5, 2));
        assert_close(table[2].0, 0.975, 1e-12);
        assert_eq!((table[2].1, table[2].2), (1.0, 2));
        assert_eq!(calibration(&probs, &labels, 0), vec![(0.454, 0.6, 5)]);
    }

    #[test]
    fn split_holdout_takes_every_nth() {
        let items: Vec<u32> = (1..=10).collect();
        let (train, held) = split_holdout(&items, 3);
        assert_eq!(held, vec![3, 6, 9]);
        assert_eq!(train, vec![1, 2, 4, 5, 7, 8, 10]);
        assert_eq!(split_holdout(&items, 0), (items.clone(), vec![]));
        assert_eq!(split_holdout(&items, 1), (vec![], items.clone()));
    }
}
