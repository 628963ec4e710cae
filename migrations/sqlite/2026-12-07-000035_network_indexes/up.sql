-- The leaderboard's conversions per member and the portal's advice at 200,000 referrals: a
-- member's referrals by state from the index, and the network's latest answers without sorting
-- every referral.
CREATE INDEX referrals_referrer_status_idx ON referrals (referrer_id, status);
CREATE INDEX referrals_responded_idx ON referrals (responded_at);
