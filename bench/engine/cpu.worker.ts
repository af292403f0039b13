/** The small CPU-bound task of the benchmark (the anchors' "sum 1..1000"). */
export default function sum(input: { n: number }): number {
  let total = 0;
  for (let i = 1; i <= input.n; i++) total += i;
  return total;
}
