function hello() { return 'pipelined'; }
