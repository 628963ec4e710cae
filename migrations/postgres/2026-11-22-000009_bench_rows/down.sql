DROP TABLE bench_rows;
