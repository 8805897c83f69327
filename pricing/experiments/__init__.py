"""Price experiments (A/B price tests) as one more step of the pricing engine.

- `live`: the experiments pricing right now, each with its variants and the packages it covers;
- `assignment`: which variant a visitor gets (a weighted, deterministic hash, kept for good);
- `audience`: one visitor's variants, as the catalogue and checkout price with them;
- `views`: views of experiment prices, buffered in Redis and flushed in batches;
- `conversions`: paid orders counted per variant (reversed by refunds);
- `metrics` and `statistics`: the figures an admin decides on;
- `services`: the experiment's life (start, pause, resume, complete, apply the winner).
"""
