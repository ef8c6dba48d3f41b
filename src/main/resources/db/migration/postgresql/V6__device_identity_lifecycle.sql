-- Every certificate a device has held. devices.cert_fingerprint stays the current one; during a rotation the
-- previous one stays ACTIVE until superseded_until (the overlap window) or until the new one is first used.
-- REVOKED rows are the CRL (certs/crl.pem).
create table device_certificates (
    fingerprint       char(64)     not null primary key,
    device_id         varchar(64)  not null,
    serial            varchar(64)  not null,
    certificate       varchar(8192) not null,
    not_after         timestamptz(3) not null,
    status            varchar(16)  not null,
    created_at        timestamptz(3) not null,
    superseded_until  timestamptz(3),
    revoked_at        timestamptz(3),
    revocation_reason varchar(256),
    constraint device_certificates_status check (status in ('ACTIVE', 'REVOKED'))
);
create index device_certificates_device on device_certificates (device_id);
create index device_certificates_status on device_certificates (status);
insert into device_certificates (fingerprint, device_id, serial, certificate, not_after, status, created_at)
    select cert_fingerprint, id, cert_serial, certificate, not_after, 'ACTIVE', created_at from devices
    where certificate is not null;

-- Field association: one-time enrollments, each with a short-lived claim certificate (CN claim:ID).
create table enrollments (
    id                varchar(64)  not null primary key,
    device_id         varchar(64)  not null,
    claim_fingerprint char(64)     not null,
    status            varchar(16)  not null,
    created_by        varchar(256) not null,
    created_at        timestamptz(3) not null,
    expires_at        timestamptz(3) not null,
    used_at           timestamptz(3),
    outcome           varchar(64),
    constraint enrollments_status check (status in ('OPEN', 'USED', 'REFUSED'))
);
create unique index enrollments_claim on enrollments (claim_fingerprint);

-- Device CAs no longer trusted: every certificate they issued is refused at CONNECT.
create table distrusted_cas (
    fingerprint char(64)     not null primary key,
    subject     varchar(512) not null,
    reason      varchar(256) not null,
    created_by  varchar(256) not null,
    created_at  timestamptz(3) not null
);
