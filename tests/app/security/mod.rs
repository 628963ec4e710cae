mod input;
