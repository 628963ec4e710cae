-- The owner's lead list filters by product or source and pages by id: these let it walk the
-- matching leads in id order instead of sorting every match (a second at 1,000,000 leads).
CREATE INDEX leads_source_id_idx ON leads (source, id);
CREATE INDEX leads_product_id_idx ON leads (product_line, id);
