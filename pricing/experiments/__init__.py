"""Price experiments (A/B price tests) as one more step of the pricing engine.

- `live`: the experiments pricing right now, each with its variants and the packages it covers;
- `assignment`: which variant a visitor gets (a weighted, deterministic hash, kept for good);
- `audience`: one visitor's variants, as the catalogue and checkout price with them;
- `views`: views of experiment prices, buffered in Redis and flushed in batches;
- `conversions`: paid orders counted per variant (reversed by refunds);
- `metrics` and `statistics`: the figures an admin decides on;
- `services`: the experiment's life (start, pause, resume, complete, apply the winner);
- `carry_over`: a guest's variants kept by the account they sign in to;
- `data_rights`: what experiments hold about a customer, in their export and erasure.

The same price as SQL, for sorting and filtering the catalogue, is `pricing.price_sql`.
"""
