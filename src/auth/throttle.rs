//! Failed logins slow down, then lock the account for a while.

use std::time::Duration;

use chrono::NaiveDateTime;

#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    /// Delay after the third failure in a row; doubles with each further failure.
    pub backoff: Duration,
    /// Failures in a row that lock the account.
    pub threshold: i32,
    pub lock_for: Duration,
}

/// What a failed attempt does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub delay: Duration,
}

pub fn is_locked(locked_until: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    locked_until.is_some_and(|t| t > now)
}

/// `failed_before` counts the failures in a row before this one.
pub fn after_failure(failed_before: i32, now: NaiveDateTime, policy: LoginPolicy) -> AfterFailure {
    let failed = failed_before.saturating_add(1);
    let delay = if failed >= 3 {
        let factor = 1u32 << (failed - 3).clamp(0, 4);
        policy.backoff.saturating_mul(factor)
    } else {
        Duration::ZERO
    };
    if failed >= policy.threshold {
        let until = now + chrono::Duration::from_std(policy.lock_for).unwrap_or(chrono::Duration::minutes(15));
        // The count starts again once the lock is over.
        AfterFailure {
            failures: 0,
            locked_until: Some(until),
            delay,
        }
    } else {
        AfterFailure {
            failures: failed,
            locked_until: None,
            delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    const POLICY: LoginPolicy = LoginPolicy {
        backoff: Duration::from_millis(500),
        threshold: 5,
        lock_for: Duration::from_secs(900),
    };

    #[test]
    fn first_failures_cost_nothing_then_slow_down() {
        assert_eq!(after_failure(0, now(), POLICY).delay, Duration::ZERO);
        assert_eq!(after_failure(1, now(), POLICY).delay, Duration::ZERO);
        assert_eq!(after_failure(2, now(), POLICY).delay, Duration::from_millis(500));
        assert_eq!(after_failure(3, now(), POLICY).delay, Duration::from_millis(1000));
    }

    #[test]
    fn the_threshold_locks_for_the_lock_period() {
        let r = after_failure(4, now(), POLICY);
        assert_eq!(r.locked_until, Some(now() + chrono::Duration::minutes(15)));
        assert_eq!(r.failures, 0);
        assert!(is_locked(r.locked_until, now() + chrono::Duration::minutes(14)));
        assert!(!is_locked(r.locked_until, now() + chrono::Duration::minutes(15)));
        assert_eq!(after_failure(3, now(), POLICY).locked_until, None);
    }

    #[test]
    fn delay_is_capped() {
        let policy = LoginPolicy {
            threshold: 100,
            ..POLICY
        };
        assert_eq!(after_failure(50, now(), policy).delay, Duration::from_millis(8000));
    }
}
