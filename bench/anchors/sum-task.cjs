// The CPU task of the benchmark, as a Piscina / worker module.
module.exports = function sum(input) {
  let total = 0;
  for (let i = 1; i <= input.n; i++) total += i;
  return total;
};
