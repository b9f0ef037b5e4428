-- The per-seat design's ceiling: claiming a seat is one conditional UPDATE of its row (autocommit: no BEGIN,
-- no COMMIT), nothing else. What PostgreSQL on this machine allows at most, for the design, whatever the
-- application does. Numbering, and the seat's condition (pinned to core.sellable by a test), as in
-- booking.pgbench.sql.
\set n :n + 1
\set g (:n - 1) * :nclients + :client_id
\set show :first + :g % :nshows
\set seat :g / :nshows + 1
UPDATE bench_showseat SET state = 'booked', hold_id = NULL, held_until = NULL
  WHERE show_id = :show AND number = :seat AND (state = 'free' OR (state = 'held' AND held_until IS NOT NULL AND held_until <= now()))
  RETURNING price;
