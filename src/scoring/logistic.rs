//! The learned model: the [`features`] it reads from a lead, a [`LogisticModel`] trained by
//! gradient descent, and [`qualify_with_model`], which scores with it and explains the score.
//! Pure: the caller passes `today`.

#![warn(missing_docs)]

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::classify::{Intent, Urgency};
use super::facts::{read, Factor, LeadFacts, Medicare, Qualification};
use super::rules::SOURCE_CONVERSION_PIVOT;

// ---------------------------------------------------------------------------
// Features for the learned model
// ---------------------------------------------------------------------------

/// `(name, label when present / for the value, label when absent)` of each feature, in order.
const FEATURES: &[(&str, &str, &str)] = &[
    ("email", "Email address given", "No valid email address"),
    ("phone", "Phone number given", "No valid phone number"),
    ("zip", "ZIP code given", "No ZIP code"),
    ("birth_date", "Birth date given", "No birth date"),
    ("product_given", "Product chosen", "No product chosen"),
    (
        "medicare_eligible",
        "Eligible for Medicare",
        "Not known to be eligible for Medicare",
    ),
    (
        "medicare_not_eligible",
        "Too young for Medicare",
        "Not known to be too young for Medicare",
    ),
    ("source_conversion", "Source conversion rate", "Source conversion rate"),
    (
        "source_unknown",
        "Source has fewer than 20 closed leads",
        "Source has a track record",
    ),
    ("intent_question", "Asking a question", "Not just a question"),
    ("intent_complaint", "Reads as a complaint", "Not a complaint"),
    (
        "intent_service",
        "Existing customer needing service",
        "Not a service request",
    ),
    ("urgency_high", "Urgent", "Not marked urgent"),
    ("urgency_low", "Not urgent", "Not marked low urgency"),
    (
        "business_hours",
        "Sent during business hours",
        "Sent outside business hours",
    ),
    ("duplicate", "Already has an open lead", "No other open lead"),
    ("no_consent", "No consent to be contacted", "Consented to be contacted"),
    ("medicare_product", "Medicare product", "Not a Medicare product"),
    ("message_length", "Message length", "Message length"),
];

/// Names of the values returned by [`features`], in order. See [`features`].
pub const FEATURE_NAMES: &[&str] = &[
    "email",
    "phone",
    "zip",
    "birth_date",
    "product_given",
    "medicare_eligible",
    "medicare_not_eligible",
    "source_conversion",
    "source_unknown",
    "intent_question",
    "intent_complaint",
    "intent_service",
    "urgency_high",
    "urgency_low",
    "business_hours",
    "duplicate",
    "no_consent",
    "medicare_product",
    "message_length",
];

pub(super) fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// The learned model's inputs for one lead, in the order of [`FEATURE_NAMES`]
/// (no bias term: the model keeps its bias separately).
///
/// All are 0/1 flags, read exactly as [`qualify`](super::qualify) reads them, except two:
///
/// | # | name | value |
/// | --- | --- | --- |
/// | 0 | `email` | valid email |
/// | 1 | `phone` | valid phone |
/// | 2 | `zip` | ZIP given |
/// | 3 | `birth_date` | birth date given |
/// | 4 | `product_given` | product chosen, not "other" |
/// | 5 | `medicare_eligible` | Medicare product and eligible |
/// | 6 | `medicare_not_eligible` | Medicare product and too young |
/// | 7 | `source_conversion` | `rate - 0.15`, 0 when unknown |
/// | 8 | `source_unknown` | source rate unknown |
/// | 9–11 | `intent_question`, `intent_complaint`, `intent_service` | intent (quote is the baseline) |
/// | 12–13 | `urgency_high`, `urgency_low` | urgency (normal is the baseline) |
/// | 14 | `business_hours` | `local_hour` in 8..20 |
/// | 15 | `duplicate` | open lead already |
/// | 16 | `no_consent` | no consent |
/// | 17 | `medicare_product` | the (given or read) product is a Medicare one |
/// | 18 | `message_length` | `ln(1 + words in the message)` |
pub fn features(facts: &LeadFacts, today: NaiveDate) -> Vec<f64> {
    let r = read(facts, today);
    let rate = facts.source_conversion.filter(|r| r.is_finite());
    vec![
        flag(r.email),
        flag(r.phone),
        flag(facts.has_zip),
        flag(facts.has_birth_date),
        flag(r.product_given),
        flag(matches!(r.medicare, Medicare::Eligible(_))),
        flag(matches!(r.medicare, Medicare::TooYoung(_))),
        rate.map_or(0.0, |r| r - SOURCE_CONVERSION_PIVOT),
        flag(rate.is_none()),
        flag(r.intent == Intent::Question),
        flag(r.intent == Intent::Complaint),
        flag(r.intent == Intent::Service),
        flag(r.urgency == Urgency::High),
        flag(r.urgency == Urgency::Low),
        flag(r.business_hours),
        flag(facts.duplicate),
        flag(!facts.has_consent),
        flag(r.product_line.is_medicare()),
        (1.0 + facts.message.split_whitespace().count() as f64).ln(),
    ]
}

// ---------------------------------------------------------------------------
// The learned model
// ---------------------------------------------------------------------------

/// One training example: a lead's [`features`] and whether it was won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The lead's features, as returned by [`features`] (or any fixed-width vector).
    pub features: Vec<f64>,
    /// The lead was won.
    pub won: bool,
}

/// A logistic regression on standardised features:
/// `p = sigmoid(bias + Σ weights[i] * (x[i] - means[i]) / scales[i])`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LogisticModel {
    /// Name shown in [`Qualification::model`], e.g. `"logistic-2026-06"`.
    pub version: String,
    /// Intercept, in log-odds, for a lead with every feature at its training mean.
    pub bias: f64,
    /// One weight per feature, in log-odds per standard deviation.
    pub weights: Vec<f64>,
    /// Training mean of each feature.
    pub means: Vec<f64>,
    /// Training standard deviation of each feature (1.0 for a constant feature).
    pub scales: Vec<f64>,
    /// Number of examples the model was trained on (0 in models stored without it).
    #[serde(default)]
    pub trained_on: usize,
}

/// Numerically stable logistic function.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A feature value, with non-finite values and missing positions read as 0.
fn value_at(features: &[f64], i: usize) -> f64 {
    features.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0)
}

impl LogisticModel {
    /// Trains by full-batch gradient descent, deterministically.
    ///
    /// The width is that of the first example (shorter examples are padded
    /// with 0, longer ones cut; non-finite values read as 0). Features are
    /// standardised with the training mean and population standard deviation.
    /// The weights start at 0 and the bias at the log-odds of the training win
    /// rate; each of `epochs` steps moves them by `learning_rate` times the
    /// gradient of
    ///
    /// `mean log-loss + l2 / 2 * Σ weights²` (the bias is not penalised).
    ///
    /// On standardised features `learning_rate` 0.5–1.0 and a few hundred to a
    /// few thousand epochs converge. With no examples the model predicts 0.5.
    pub fn train(examples: &[Example], version: &str, epochs: usize, learning_rate: f64, l2: f64) -> LogisticModel {
        let n = examples.len();
        let width = examples.first().map_or(0, |e| e.features.len());
        let nf = n.max(1) as f64;
        let means: Vec<f64> = (0..width)
            .map(|j| examples.iter().map(|e| value_at(&e.features, j)).sum::<f64>() / nf)
            .collect();
        let scales: Vec<f64> = (0..width)
            .map(|j| {
                let var = examples
                    .iter()
                    .map(|e| (value_at(&e.features, j) - means[j]).powi(2))
                    .sum::<f64>()
                    / nf;
                let sd = var.sqrt();
                if sd > 1e-12 {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        let rows: Vec<Vec<f64>> = examples
            .iter()
            .map(|e| {
                (0..width)
                    .map(|j| (value_at(&e.features, j) - means[j]) / scales[j])
                    .collect()
            })
            .collect();
        let labels: Vec<f64> = examples.iter().map(|e| flag(e.won)).collect();

        let mut bias = if n == 0 {
            0.0
        } else {
            let rate = (labels.iter().sum::<f64>() / nf).clamp(1e-6, 1.0 - 1e-6);
            (rate / (1.0 - rate)).ln()
        };
        let mut weights = vec![0.0; width];
        let mut grad = vec![0.0; width];
        if n > 0 {
            for _ in 0..epochs {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let mut grad_bias = 0.0;
                for (row, y) in rows.iter().zip(&labels) {
                    let z = bias + row.iter().zip(&weights).map(|(x, w)| x * w).sum::<f64>();
                    let err = sigmoid(z) - y;
                    grad_bias += err;
                    for (g, x) in grad.iter_mut().zip(row) {
                        *g += err * x;
                    }
                }
                bias -= learning_rate * grad_bias / nf;
                for (w, g) in weights.iter_mut().zip(&grad) {
                    *w -= learning_rate * (g / nf + l2 * *w);
                }
            }
        }
        LogisticModel {
            version: version.to_string(),
            bias,
            weights,
            means,
            scales,
            trained_on: n,
        }
    }

    /// Each feature's standardised value `(x - mean) / scale`; missing or
    /// non-finite values read as 0 (not as the mean).
    fn standardised<'a>(&'a self, features: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        self.means
            .iter()
            .zip(&self.scales)
            .enumerate()
            .map(move |(i, (m, s))| (value_at(features, i) - m) / s)
    }

    /// Probability of winning the lead. Extra values beyond the model's width
    /// are ignored.
    pub fn predict(&self, features: &[f64]) -> f64 {
        let z = self.bias
            + self
                .standardised(features)
                .zip(&self.weights)
                .map(|(x, w)| x * w)
                .sum::<f64>();
        sigmoid(z)
    }

    /// `round(100 * predict(features))`, 0..=100.
    pub fn score(&self, features: &[f64]) -> u8 {
        (100.0 * self.predict(features)).round().clamp(0.0, 100.0) as u8
    }

    /// Each feature's contribution to the log-odds, `weight * (x - mean) / scale`,
    /// named after [`FEATURE_NAMES`] (`"feature"` past its end). They add up to
    /// `logit(predict(features)) - bias`: relative to a lead with every
    /// feature at its training mean.
    pub fn contributions(&self, features: &[f64]) -> Vec<(&'static str, f64)> {
        self.standardised(features)
            .zip(&self.weights)
            .enumerate()
            .map(|(i, (x, w))| (FEATURE_NAMES.get(i).copied().unwrap_or("feature"), w * x))
            .collect()
    }
}

/// Scores a lead with a learned model, reading the product, intent and
/// urgency as [`qualify`](super::qualify) does.
///
/// `score` is [`LogisticModel::score`] and `model` the model's version. The
/// factors are the model's non-zero [`LogisticModel::contributions`] in
/// feature order, labelled for a person ("Phone number given" or "No valid
/// phone number" by the feature's value); their `points` are **log-odds**
/// relative to an average training lead: they add up to
/// `logit(score / 100) - bias`, not to a score difference.
pub fn qualify_with_model(facts: &LeadFacts, model: &LogisticModel, today: NaiveDate) -> Qualification {
    let r = read(facts, today);
    let x = features(facts, today);
    let factors = model
        .contributions(&x)
        .into_iter()
        .enumerate()
        .filter(|(_, (_, points))| *points != 0.0 && points.is_finite())
        .map(|(i, (key, points))| {
            let label = match FEATURES.get(i) {
                Some((_, on, off)) => {
                    if value_at(&x, i) != 0.0 {
                        on
                    } else {
                        off
                    }
                }
                None => key,
            };
            Factor {
                key,
                label: label.to_string(),
                points,
            }
        })
        .collect();
    Qualification {
        score: model.score(&x),
        factors,
        product_line: r.product_line,
        product_reason: r.product_reason,
        intent: r.intent,
        urgency: r.urgency,
        urgency_reason: r.urgency_reason,
        model: model.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::testing::*;
    use crate::scoring::{evaluate, split_holdout};

    // -----------------------------------------------------------------------
    // Logistic regression against references
    // -----------------------------------------------------------------------

    /// The model's coefficients on the raw (unstandardised) features:
    /// `(intercept, slopes)`.
    fn raw_coefficients(model: &LogisticModel) -> (f64, Vec<f64>) {
        let slopes: Vec<f64> = model.weights.iter().zip(&model.scales).map(|(w, s)| w / s).collect();
        let intercept = model.bias - slopes.iter().zip(&model.means).map(|(b, m)| b * m).sum::<f64>();
        (intercept, slopes)
    }

    #[test]
    fn logistic_matches_closed_form_for_one_binary_feature() {
        // x = 0: 3 won of 10; x = 1: 7 won of 10. The maximum-likelihood fit
        // reproduces both rates: intercept = logit(0.3), slope = logit(0.7) - logit(0.3).
        let mut examples = Vec::new();
        for i in 0..10 {
            examples.push(Example {
                features: vec![0.0],
                won: i < 3,
            });
            examples.push(Example {
                features: vec![1.0],
                won: i < 7,
            });
        }
        let model = LogisticModel::train(&examples, "t", 3000, 1.0, 0.0);
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let (intercept, slopes) = raw_coefficients(&model);
        assert_close(intercept, logit(0.3), 1e-3);
        assert_close(slopes[0], logit(0.7) - logit(0.3), 1e-3);
        assert_close(model.predict(&[0.0]), 0.3, 1e-4);
        assert_close(model.predict(&[1.0]), 0.7, 1e-4);
        assert_eq!(model.trained_on, 20);
    }

    /// Solves `a x = b` by Gaussian elimination with partial pivoting.
    fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
        let n = b.len();
        for col in 0..n {
            let pivot = (col..n)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, pivot);
            b.swap(col, pivot);
            for row in col + 1..n {
                let f = a[row][col] / a[col][col];
                let pivot_row = a[col].clone();
                for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
        let mut x = vec![0.0; n];
        for row in (0..n).rev() {
            let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
            x[row] = (b[row] - s) / a[row][row];
        }
        x
    }

    /// Newton's method on the same objective as `train` (mean log-loss plus
    /// `l2 / 2 * |w|²`, bias unpenalised) in the same standardised space.
    /// Returns `[bias, w1, w2, ...]`.
    fn newton(examples: &[Example], means: &[f64], scales: &[f64], l2: f64) -> Vec<f64> {
        let d = means.len() + 1;
        let n = examples.len() as f64;
        let rows: Vec<Vec<f64>> = examples
            .iter()
            .map(|e| {
                let mut r = vec![1.0];
                r.extend(e.features.iter().zip(means).zip(scales).map(|((x, m), s)| (x - m) / s));
                r
            })
            .collect();
        let mut beta = vec![0.0; d];
        for _ in 0..50 {
            let mut grad = vec![0.0; d];
            let mut hess = vec![vec![0.0; d]; d];
            for (r, e) in rows.iter().zip(examples) {
                let z: f64 = r.iter().zip(&beta).map(|(x, b)| x * b).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if e.won { 1.0 } else { 0.0 };
                for i in 0..d {
                    grad[i] += (p - y) * r[i] / n;
                    for j in 0..d {
                        hess[i][j] += p * (1.0 - p) * r[i] * r[j] / n;
                    }
                }
            }
            for i in 1..d {
                grad[i] += l2 * beta[i];
                hess[i][i] += l2;
            }
            let step = solve(hess, grad);
            for (b, s) in beta.iter_mut().zip(&step) {
                *b -= s;
            }
            if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-13 {
                break;
            }
        }
        beta
    }

    fn three_feature_dataset() -> Vec<Example> {
        let mut rng = Lcg(7);
        (0..300)
            .map(|_| {
                let x1 = rng.next_f64() * 4.0 - 2.0;
                let x2 = if rng.chance(0.4) { 1.0 } else { 0.0 };
                let x3 = rng.next_f64() * 10.0 + 0.5 * x1;
                let z = -0.5 + 1.2 * x1 - 0.8 * x2 + 0.1 * x3;
                let won = rng.chance(1.0 / (1.0 + (-z).exp()));
                Example {
                    features: vec![x1, x2, x3],
                    won,
                }
            })
            .collect()
    }

    #[test]
    fn logistic_matches_newton_without_and_with_l2() {
        let examples = three_feature_dataset();
        for l2 in [0.0, 0.1] {
            let model = LogisticModel::train(&examples, "t", 5000, 1.0, l2);
            let reference = newton(&examples, &model.means, &model.scales, l2);
            assert_close(model.bias, reference[0], 1e-3);
            for (w, r) in model.weights.iter().zip(&reference[1..]) {
                assert_close(*w, *r, 1e-3);
            }
        }
    }

    #[test]
    fn training_is_deterministic_and_handles_degenerate_input() {
        let examples = three_feature_dataset();
        let a = LogisticModel::train(&examples, "t", 50, 0.5, 0.01);
        let b = LogisticModel::train(&examples, "t", 50, 0.5, 0.01);
        assert_eq!(a, b);

        let empty = LogisticModel::train(&[], "empty", 10, 0.5, 0.0);
        assert_eq!(empty.predict(&[1.0, 2.0]), 0.5);
        assert_eq!(empty.score(&[]), 50);

        // A constant feature gets scale 1 and no weight.
        let constant: Vec<Example> = (0..10)
            .map(|i| Example {
                features: vec![3.0, f64::from(i % 2)],
                won: i % 3 == 0,
            })
            .collect();
        let m = LogisticModel::train(&constant, "c", 200, 0.5, 0.0);
        assert_eq!(m.scales[0], 1.0);
        assert_eq!(m.weights[0], 0.0);
        assert!(m.predict(&[3.0, 1.0]).is_finite());
    }

    #[test]
    fn contributions_add_up_to_the_log_odds() {
        let examples = three_feature_dataset();
        let model = LogisticModel::train(&examples, "t", 500, 1.0, 0.0);
        let x = [0.7, 1.0, 4.0];
        let p = model.predict(&x);
        let sum: f64 = model.contributions(&x).iter().map(|(_, c)| c).sum();
        assert_close(model.bias + sum, (p / (1.0 - p)).ln(), 1e-9);
        assert_eq!(model.contributions(&x)[0].0, FEATURE_NAMES[0]);
        assert_eq!(model.score(&x), (100.0 * p).round() as u8);
    }

    #[test]
    fn model_round_trips_through_json() {
        let model = LogisticModel::train(&three_feature_dataset(), "logistic-2026-06", 20, 0.5, 0.0);
        let json = serde_json::to_string(&model).unwrap();
        let back: LogisticModel = serde_json::from_str(&json).unwrap();
        // serde_json may lose the last bit of a float: compare predictions.
        assert_eq!((back.version.as_str(), back.trained_on), ("logistic-2026-06", 300));
        for x in [[0.0, 0.0, 0.0], [1.5, 1.0, 7.0], [-2.0, 0.0, 10.0]] {
            assert_close(back.predict(&x), model.predict(&x), 1e-12);
        }
        // A model stored without `trained_on` still loads.
        let old = r#"{"version":"v0","bias":0.1,"weights":[1.0],"means":[0.0],"scales":[1.0]}"#;
        assert_eq!(serde_json::from_str::<LogisticModel>(old).unwrap().trained_on, 0);
    }

    // -----------------------------------------------------------------------
    // Synthetic leads from a known logistic process
    // -----------------------------------------------------------------------

    /// The known process: log-odds as a fixed function of the features.
    fn true_log_odds(x: &[f64]) -> f64 {
        let f = |name: &str| x[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()];
        -1.5 + 1.4 * f("phone") + 0.6 * f("email") + 1.2 * f("medicare_eligible") - 1.0 * f("medicare_not_eligible")
            + 5.0 * f("source_conversion")
            + 0.9 * f("urgency_high")
            - 0.7 * f("urgency_low")
            - 1.8 * f("intent_complaint")
            - 1.0 * f("intent_service")
            - 1.0 * f("duplicate")
            - 1.5 * f("no_consent")
            + 0.4 * f("business_hours")
    }

    #[test]
    fn learned_model_beats_constant_and_is_calibrated_on_synthetic_leads() {
        let mut rng = Lcg(2026);
        let examples: Vec<Example> = (0..4000)
            .map(|_| {
                let x = features(&synthetic_lead(&mut rng), today());
                let won = rng.chance(sigmoid(true_log_odds(&x)));
                Example { features: x, won }
            })
            .collect();
        let (train, holdout) = split_holdout(&examples, 4);
        assert_eq!((train.len(), holdout.len()), (3000, 1000));

        let model = LogisticModel::train(&train, "synthetic", 400, 0.5, 0.001);
        let eval = evaluate(&model, &holdout);
        assert_eq!(eval.constant_auc, 0.5);
        assert_eq!((eval.train_size, eval.holdout_size), (3000, 1000));
        assert!(eval.auc > 0.75, "held-out AUC {}", eval.auc);
        assert!(eval.auc > eval.constant_auc);
        assert_eq!(eval.calibration.iter().map(|b| b.2).sum::<usize>(), 1000);
        let big_bins: Vec<_> = eval.calibration.iter().filter(|b| b.2 >= 100).collect();
        assert!(!big_bins.is_empty());
        for (predicted, observed, count) in big_bins {
            assert!(
                (predicted - observed).abs() <= 0.1,
                "bin of {count}: predicted {predicted}, observed {observed}"
            );
        }
        // The learned scorer plugs into the same Qualification.
        let lead = synthetic_lead(&mut rng);
        let q = qualify_with_model(&lead, &model, today());
        assert_eq!(q.model, "synthetic");
        let p = model.predict(&features(&lead, today()));
        assert_eq!(q.score, (100.0 * p).round() as u8);
        let sum: f64 = q.factors.iter().map(|f| f.points).sum();
        assert_close(model.bias + sum, (p / (1.0 - p)).ln(), 1e-9);
    }

    #[test]
    fn model_factor_labels_follow_the_feature_value() {
        let examples: Vec<Example> = (0..40)
            .map(|i| {
                let mut lead = blank();
                lead.has_phone = i % 2 == 0;
                lead.phone_valid = true;
                Example {
                    features: features(&lead, today()),
                    won: i % 4 == 0,
                }
            })
            .collect();
        let model = LogisticModel::train(&examples, "m", 200, 0.5, 0.0);
        let mut lead = blank();
        let without = qualify_with_model(&lead, &model, today());
        assert_eq!(factor(&without, "phone").unwrap().label, "No valid phone number");
        assert!(factor(&without, "phone").unwrap().points < 0.0);
        lead.has_phone = true;
        lead.phone_valid = true;
        let with = qualify_with_model(&lead, &model, today());
        assert_eq!(factor(&with, "phone").unwrap().label, "Phone number given");
        assert!(factor(&with, "phone").unwrap().points > 0.0);
        assert!(with.score > without.score);
    }

    #[test]
    fn features_follow_the_names() {
        assert_eq!(FEATURE_NAMES.len(), FEATURES.len());
        for (name, (feature, _, _)) in FEATURE_NAMES.iter().zip(FEATURES) {
            assert_eq!(name, feature);
        }
        for lead in assorted_leads() {
            assert_eq!(features(&lead, today()).len(), FEATURE_NAMES.len());
        }
        let x = features(&complete(), today());
        let at = |name: &str| x[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(at("phone"), 1.0);
        assert_eq!(at("medicare_eligible"), 1.0);
        assert_eq!(at("medicare_product"), 1.0);
        assert_eq!(at("urgency_high"), 1.0);
        assert_eq!(at("source_unknown"), 0.0);
        assert_close(at("source_conversion"), 0.25, 1e-12);
        assert_close(at("message_length"), (1.0f64 + 9.0).ln(), 1e-12);
        assert_eq!(at("no_consent"), 0.0);
    }
}
