"""The roster core: staff x days x shift types as plain ids and numbers, solved by CP-SAT."""
