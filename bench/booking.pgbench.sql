-- The booking transaction the service runs for a free seat (core.services.booking, the fast path), in raw SQL,
-- against scratch copies of the tables (bench_show, bench_showseat, bench_booking: same columns, constraints,
-- indexes and deferred foreign keys as core_show, core_showseat and core_booking): the seat row's conditional
-- UPDATE (lock, check and write in one statement), then the booking's INSERT guarded by the show's state, read
-- after the seat's lock. pgbench keeps :n per client across transactions, so every transaction books a seat
-- nobody has booked: transaction g = (n - 1) * nclients + client_id goes to show first + g mod nshows (spread
-- over the shows, as the API load is), seat g div nshows + 1.
-- run.py passes -D first=<first show> -D nshows=<shows> -D nclients=<clients> -D n=0 and the same lock_timeout.
-- The seat's condition is core.sellable's "can be sold now" written out for pgbench (which cannot import it):
-- tests/test_sellable_rule.py runs this UPDATE over the same cases as the ORM's and fails if they disagree.
\set n :n + 1
\set g (:n - 1) * :nclients + :client_id
\set show :first + :g % :nshows
\set seat :g / :nshows + 1
\set user_id 1 + :client_id % 32
BEGIN;
UPDATE bench_showseat SET state = 'booked', hold_id = NULL, held_until = NULL
  WHERE show_id = :show AND number = :seat AND (state = 'free' OR (state = 'held' AND held_until IS NOT NULL AND held_until <= now()))
  RETURNING price;
WITH on_sale AS (SELECT 1 FROM bench_show WHERE id = :show AND status = 'scheduled' AND date_time > now()),
  ins AS (INSERT INTO bench_booking (user_id, show_id, seat_number, status, price, created_at, cancelled_at, payment_status, ticket_code, ticket_type)
          SELECT :user_id, :show, :seat, 'booked', 0, now(), NULL, 'free', md5(random()::text), 'adult' FROM on_sale RETURNING id)
SELECT ins.id, s.id, s.movie_id, s.screen_name, s.date_time, s.total_seats, s.status, m.id, m.title
  FROM ins JOIN bench_show s ON s.id = :show JOIN core_movie m ON m.id = s.movie_id;
COMMIT;
