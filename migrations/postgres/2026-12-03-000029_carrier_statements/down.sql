DROP TABLE carrier_statement_lines;
DROP TABLE carrier_statements;
DROP TABLE carrier_statement_maps;
DROP FUNCTION carrier_statement_lines_final();
DROP FUNCTION carrier_statements_final();
