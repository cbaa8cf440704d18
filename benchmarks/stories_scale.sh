#!/usr/bin/env bash
# Every figure of the stories benchmarks, in order: the generated corpora (10k, 100k, 1M; the
# 1M one in two halves generated in parallel), grouping quality/speed/memory with datasketch
# alongside, compare accuracy, and the NeuS event check. Needs ../shared/data (never committed).
# Shared machines: run it as `flock /path/to/cpu.lock benchmarks/stories_scale.sh`.
set -euxo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
O=benchmarks/out
mkdir -p $O
# thresholds of the embedding step: chosen on a corpus (seed 7) that no figure below uses
$PY benchmarks/storygen.py --docs 50000 --seed 7 -o $O/stories-tune-50k.jsonl.gz
$PY benchmarks/settle_tune.py $O/stories-tune-50k.jsonl.gz --jobs 2 | tee $O/tune.log
$PY benchmarks/storygen.py --docs 10000 --seed 1 -o $O/stories-10k.jsonl.gz
$PY benchmarks/stories_bench.py $O/stories-10k.jsonl.gz --jobs 2 --datasketch | tee $O/bench10k.log
$PY benchmarks/stories_bench.py $O/stories-10k.jsonl.gz --jobs 2 --no-embeddings | tee $O/bench10k-noemb.log
$PY benchmarks/compare_bench.py $O/stories-10k.jsonl.gz --stories 150 | tee $O/compare10k.log
$PY benchmarks/stories_bench.py --neus --jobs 2 | tee $O/neus.log
$PY benchmarks/storygen.py --docs 100000 --seed 2 -o $O/stories-100k.jsonl.gz
$PY benchmarks/stories_bench.py $O/stories-100k.jsonl.gz --jobs 2 --datasketch | tee $O/bench100k.log
$PY benchmarks/stories_bench.py $O/stories-100k.jsonl.gz --jobs 2 --no-embeddings | tee $O/bench100k-noemb.log
$PY benchmarks/storygen.py --docs 500000 --seed 3 --id-prefix a -o $O/stories-1m-a.jsonl.gz &
$PY benchmarks/storygen.py --docs 500000 --seed 4 --id-prefix b -o $O/stories-1m-b.jsonl.gz
wait
cat $O/stories-1m-a.jsonl.gz $O/stories-1m-b.jsonl.gz > $O/stories-1m.jsonl.gz
rm $O/stories-1m-a.jsonl.gz $O/stories-1m-b.jsonl.gz
/usr/bin/time -v $PY benchmarks/stories_bench.py $O/stories-1m.jsonl.gz --jobs 2 | tee $O/bench1m.log
