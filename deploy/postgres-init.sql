-- One database per subgraph (no subgraph reads another's tables). The owner role migrates;
-- the application role owns nothing and cannot bypass Row Level Security.
create role eventzr_owner login password 'owner-dev' nosuperuser nobypassrls;
create role eventzr_app login password 'app-dev' nosuperuser nobypassrls;
create database eventzr_auth owner eventzr_owner;
create database eventzr_jobs owner eventzr_owner;
