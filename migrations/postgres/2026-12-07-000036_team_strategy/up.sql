-- How a team hands its referrals to its members: one of the routing engine's strategies, kept
-- as the engine's own JSON ("RoundRobin", {"Weighted": [[12, 60], [15, 40]]}, "LeastBusy",
-- {"BestPerformer": {...}}), and what round-robin and weighted routing remember between
-- referrals (the engine's routing state, JSON).
ALTER TABLE broker_teams ADD COLUMN strategy TEXT NOT NULL DEFAULT '"RoundRobin"';
ALTER TABLE broker_teams ADD COLUMN routing_state TEXT NOT NULL DEFAULT '{}';
