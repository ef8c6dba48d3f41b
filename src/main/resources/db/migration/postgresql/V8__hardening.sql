-- The broker's stamp (dg-ingress) of the message that first claimed a msgId: the same stamp arriving again is the
-- broker delivering that very message again (after a crash or an outage), not a device sending its bytes again.
alter table seen_messages add column ingress_id varchar(64);

-- The msgId of each stored message. Unique per device: a message that reaches the sink again after a crash (the
-- broker redelivers what was not acknowledged) is not stored twice. Rows without a msgId are not constrained.
alter table telemetry add column msg_id varchar(64);
create unique index telemetry_device_msg on telemetry (device_id, msg_id);
