-- The booking transaction of core.services.booking.booking_create, in raw SQL, against scratch copies of the
-- tables (bench_show, bench_showseat, bench_booking: same columns, constraints, indexes and deferred foreign keys
-- as core_show, core_showseat and core_booking). pgbench keeps :n per client across transactions, so every
-- transaction books a seat nobody has booked: clients interleave (client c books c+1, c+1+nclients, ...).
-- run.py passes -D show=<the level's show> -D nclients=<clients> -D n=0 and the same lock_timeout as the service.
\set n :n + 1
\set seat (:n - 1) * :nclients + :client_id + 1
\set user_id 1 + :client_id % 32
BEGIN;
SELECT id, show_id, number, label, category, price, state, hold_id, held_until
  FROM bench_showseat WHERE show_id = :show AND number IN (:seat) ORDER BY number FOR UPDATE;
SELECT s.id, s.movie_id, s.screen_name, s.date_time, s.total_seats, s.status, m.id, m.title, m.duration_minutes
  FROM bench_show s JOIN core_movie m ON m.id = s.movie_id WHERE s.id = :show;
UPDATE bench_showseat SET state = 'booked', hold_id = NULL, held_until = NULL WHERE show_id = :show AND number = :seat;
INSERT INTO bench_booking (user_id, show_id, seat_number, status, price, created_at, cancelled_at)
  VALUES (:user_id, :show, :seat, 'booked', 0, now(), NULL) RETURNING id;
COMMIT;
