DROP TABLE carrier_statement_lines;
DROP TABLE carrier_statements;
DROP TABLE carrier_statement_maps;
