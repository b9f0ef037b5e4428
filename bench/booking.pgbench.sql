-- The booking transaction of core.services.booking.booking_create, in raw SQL, against scratch copies of the
-- tables (bench_show, bench_booking: same columns, constraints, indexes and deferred foreign keys as
-- core_show and core_booking). pgbench keeps :n per client across transactions, so every transaction books
-- a seat nobody has booked: clients interleave (client c books c+1, c+1+nclients, ...). run.py passes
-- -D show=<the level's show> -D nclients=<clients> -D n=0 and the same lock_timeout as the service.
\set n :n + 1
\set seat (:n - 1) * :nclients + :client_id + 1
\set user_id 1 + :client_id % 32
BEGIN;
SELECT s.id, s.movie_id, s.screen_name, s.date_time, s.total_seats, m.id, m.title, m.duration_minutes
  FROM bench_show s JOIN core_movie m ON m.id = s.movie_id WHERE s.id = :show FOR UPDATE OF s;
SELECT seat_number FROM bench_booking WHERE show_id = :show AND status = 'booked' AND seat_number IN (:seat);
INSERT INTO bench_booking (user_id, show_id, seat_number, status, created_at, cancelled_at)
  VALUES (:user_id, :show, :seat, 'booked', now(), NULL) RETURNING id;
COMMIT;
