-- The show-lock yardstick: the seed's booking transaction in raw SQL, one lock per show. Lock the show row,
-- check the seat has no active booking, insert the booking, commit. The booking carries what the API's carries
-- since orders and e-tickets (payment status, a unique ticket code: md5 text stands in for the service's random code). Spread over the shows as the API load is
-- (see booking.pgbench.sql for the numbering); same scratch tables.
\set n :n + 1
\set g (:n - 1) * :nclients + :client_id
\set show :first + :g % :nshows
\set seat :g / :nshows + 1
\set user_id 1 + :client_id % 32
BEGIN;
SELECT id, total_seats, status, date_time FROM bench_show WHERE id = :show FOR UPDATE;
SELECT 1 FROM bench_booking WHERE show_id = :show AND seat_number = :seat AND status = 'booked';
INSERT INTO bench_booking (user_id, show_id, seat_number, status, price, created_at, cancelled_at, payment_status, ticket_code, ticket_type)
  VALUES (:user_id, :show, :seat, 'booked', 0, now(), NULL, 'free', md5(random()::text), 'adult') RETURNING id;
COMMIT;
