//! A simple forecast from monthly figures: the straight line that fits them best (least squares
//! over x = 0, 1, 2, … for the months in order), next month's value on that line, and how many
//! months it would take the line to reach a target.

#![warn(missing_docs)]

/// The most months ahead [`months_until`] will look.
pub const HORIZON_MONTHS: u32 = 120;

/// A straight line `value = intercept + slope × x`, with x counting months from 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// How much the value changes each month.
    pub slope: f64,
    /// The line's value at the first month (x = 0).
    pub intercept: f64,
}

impl Trend {
    /// The line's value at month `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// The least-squares line through the points, taken as months x = 0, 1, 2, …. `None` for fewer
/// than 2 points, or when a point is not a finite number.
pub fn trend(points: &[f64]) -> Option<Trend> {
    if points.len() < 2 || points.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = points.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, &y) in points.iter().enumerate() {
        let dx = x as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    Some(Trend {
        slope,
        intercept: mean_y - slope * mean_x,
    })
}

/// The trend's value for the month after the last point (x = the number of points). `None` when
/// there is no trend (see [`trend`]).
pub fn next(points: &[f64]) -> Option<f64> {
    trend(points).map(|t| t.at(points.len() as f64))
}

/// How many months after the last point the trend first reaches `target`: 0 if the last point
/// is already at or above it (even when it is the only point). Otherwise at least 1, and `None`
/// when there is no trend, when the trend is flat or falling, or when it would take more than
/// [`HORIZON_MONTHS`] (120) months.
pub fn months_until(points: &[f64], target: f64) -> Option<u32> {
    let &last = points.last()?;
    if last >= target {
        return Some(0);
    }
    let t = trend(points)?;
    if t.slope <= 0.0 || !target.is_finite() {
        return None;
    }
    // A little slack so that a line which reaches the target exactly is not let down by
    // rounding.
    let slack = 1e-9 * target.abs().max(1.0);
    let last_x = (points.len() - 1) as f64;
    (1..=HORIZON_MONTHS).find(|&k| t.at(last_x + f64::from(k)) >= target - slack)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_line() {
        let p = [10.0, 20.0, 30.0, 40.0];
        let t = trend(&p).unwrap();
        assert!(close(t.slope, 10.0));
        assert!(close(t.intercept, 10.0));
        assert!(close(next(&p).unwrap(), 50.0));
        // 10 + 10x >= 65 first at x = 6, three months after the last point (x = 3).
        assert_eq!(months_until(&p, 65.0), Some(3));
        // Reached exactly at x = 5.
        assert_eq!(months_until(&p, 60.0), Some(2));
        assert_eq!(months_until(&p, 40.0), Some(0));
        assert_eq!(months_until(&p, 40.000_001), Some(1));
    }

    #[test]
    fn fractional_line_reaches_exactly() {
        // 0.1 steps do not add up exactly in floating point.
        let p = [0.1, 0.2, 0.3];
        assert_eq!(months_until(&p, 0.6), Some(3));
    }

    #[test]
    fn flat_series() {
        let p = [5.0, 5.0, 5.0];
        let t = trend(&p).unwrap();
        assert!(close(t.slope, 0.0));
        assert!(close(t.intercept, 5.0));
        assert!(close(next(&p).unwrap(), 5.0));
        assert_eq!(months_until(&p, 5.0), Some(0));
        assert_eq!(months_until(&p, 5.01), None);
    }

    #[test]
    fn falling_series() {
        let p = [30.0, 20.0, 10.0];
        let t = trend(&p).unwrap();
        assert!(close(t.slope, -10.0));
        assert!(close(t.intercept, 30.0));
        assert!(close(next(&p).unwrap(), 0.0));
        assert_eq!(months_until(&p, 40.0), None);
        assert_eq!(months_until(&p, 10.0), Some(0));
    }

    #[test]
    fn two_points() {
        let p = [1.0, 3.0];
        let t = trend(&p).unwrap();
        assert!(close(t.slope, 2.0));
        assert!(close(t.intercept, 1.0));
        assert!(close(next(&p).unwrap(), 5.0));
        assert_eq!(months_until(&p, 6.0), Some(2));
    }

    #[test]
    fn too_few_points() {
        assert_eq!(trend(&[]), None);
        assert_eq!(trend(&[4.0]), None);
        assert_eq!(next(&[4.0]), None);
        assert_eq!(months_until(&[], 1.0), None);
        assert_eq!(months_until(&[4.0], 3.0), Some(0));
        assert_eq!(months_until(&[4.0], 5.0), None);
    }

    #[test]
    fn not_finite() {
        assert_eq!(trend(&[1.0, f64::NAN]), None);
        assert_eq!(next(&[f64::INFINITY, 1.0]), None);
        assert_eq!(months_until(&[0.0, 1.0], f64::INFINITY), None);
        assert_eq!(months_until(&[0.0, 1.0], f64::NAN), None);
    }

    #[test]
    fn noisy_series() {
        // Mean x 1.5, mean y 7.5: slope 15 / 5 = 3, intercept 7.5 - 4.5 = 3.
        let p = [0.0, 0.0, 30.0, 0.0];
        let t = trend(&p).unwrap();
        assert!(close(t.slope, 3.0));
        assert!(close(t.intercept, 3.0));
        assert!(close(next(&p).unwrap(), 15.0));
        // The last point is below 5 though the line is above it: one month at the least.
        assert_eq!(months_until(&p, 5.0), Some(1));
    }

    #[test]
    fn horizon_limit() {
        let p = [0.0, 1.0];
        assert_eq!(months_until(&p, 121.0), Some(120));
        assert_eq!(months_until(&p, 121.5), None);
        assert_eq!(months_until(&p, 1000.0), None);
    }
}
