mod statements;
