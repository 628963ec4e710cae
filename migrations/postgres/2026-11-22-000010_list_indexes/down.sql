DROP INDEX leads_product_id_idx;
DROP INDEX leads_source_id_idx;
