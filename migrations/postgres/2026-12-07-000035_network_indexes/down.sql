DROP INDEX referrals_responded_idx;
DROP INDEX referrals_referrer_status_idx;
