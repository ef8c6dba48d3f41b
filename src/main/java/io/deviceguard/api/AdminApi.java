package io.deviceguard.api;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.user.UserServices;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.camel.main.Main;

/** The admin API put together: the HTTPS listener, each endpoint's handler, the routes and their error handling. */
public final class AdminApi implements AutoCloseable {

    private final AdminApiServer server;
    private final AdminApiRoutes routes;
    private final ApiErrorHandling errors;

    private AdminApi(AdminApiServer server, AdminApiRoutes routes, ApiErrorHandling errors) {
        this.server = server;
        this.routes = routes;
        this.errors = errors;
    }

    /** Starts listening; requests get 404 problems until {@link #bindTo} has been called and the routes run. */
    public static AdminApi start(Settings settings, PlatformServices services, UserServices users,
                                 io.deviceguard.command.Commands commands, io.deviceguard.device.DeviceLifecycle lifecycle) {
        ApiCallAudit audit = new ApiCallAudit(services.audit());
        ApiResponder responder = new ApiResponder(audit);
        SessionHandlers sessions = new SessionHandlers(users.sessions());
        UserHandlers accounts = new UserHandlers(users.accounts());
        DeviceHandlers devices = new DeviceHandlers(services.registry(),
                new DeviceEnrollment(services.pki(), services.registry(), services.audit()),
                Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS)));
        AuditHandlers trail = new AuditHandlers(services.auditQuery());
        LifecycleHandlers life = new LifecycleHandlers(lifecycle, services.registry(), services.pki());
        Duration validity = Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS));
        ProvisioningHandlers provisioning = new ProvisioningHandlers(
                new io.deviceguard.device.DeviceImport(services.pki(), services.registry(), services.certificates(),
                        services.audit(), services.deviceKeys()),
                new io.deviceguard.device.FieldEnrollment(services.pki(), services.registry(), services.enrollments(),
                        services.audit(), validity, services.deviceKeys()),
                validity, settings.getInt(SettingKeys.PKI_ENROLLMENT_MAX_TTL_MINUTES));

        Map<ApiEndpoint, ApiHandler> handlers = new EnumMap<>(ApiEndpoint.class);
        handlers.put(ApiEndpoint.LOGIN, sessions::login);
        handlers.put(ApiEndpoint.LOGOUT, sessions::logout);
        handlers.put(ApiEndpoint.USERS_LIST, accounts::list);
        handlers.put(ApiEndpoint.USERS_CREATE, accounts::create);
        handlers.put(ApiEndpoint.USERS_SHOW, accounts::show);
        handlers.put(ApiEndpoint.USERS_DISABLE, accounts::disable);
        handlers.put(ApiEndpoint.USERS_ENABLE, accounts::enable);
        handlers.put(ApiEndpoint.USERS_UNLOCK, accounts::unlock);
        handlers.put(ApiEndpoint.USERS_ROLE, accounts::role);
        handlers.put(ApiEndpoint.DEVICES_LIST, devices::list);
        handlers.put(ApiEndpoint.DEVICES_CREATE, devices::create);
        handlers.put(ApiEndpoint.DEVICES_SHOW, devices::show);
        handlers.put(ApiEndpoint.AUDIT_LIST, trail::list);
        CommandHandlers cmds = new CommandHandlers(commands);
        handlers.put(ApiEndpoint.GROUPS_LIST, cmds::groups);
        handlers.put(ApiEndpoint.GROUPS_CREATE, cmds::createGroup);
        handlers.put(ApiEndpoint.GROUPS_SHOW, cmds::showGroup);
        handlers.put(ApiEndpoint.GROUPS_ADD, cmds::addToGroup);
        handlers.put(ApiEndpoint.COMMANDS_LIST, cmds::list);
        handlers.put(ApiEndpoint.COMMANDS_CREATE, cmds::create);
        handlers.put(ApiEndpoint.COMMANDS_SHOW, cmds::show);
        handlers.put(ApiEndpoint.COMMANDS_APPROVE, cmds::approve);
        handlers.put(ApiEndpoint.COMMANDS_CANCEL, cmds::cancel);
        handlers.put(ApiEndpoint.DEVICES_REVOKE, life::revoke);
        handlers.put(ApiEndpoint.DEVICES_SUSPEND, life::suspend);
        handlers.put(ApiEndpoint.DEVICES_RESUME, life::resume);
        handlers.put(ApiEndpoint.CRL, life::crl);
        handlers.put(ApiEndpoint.DEVICES_IMPORT, provisioning::importDevices);
        handlers.put(ApiEndpoint.ENROLLMENTS_CREATE, provisioning::createEnrollment);

        AdminApiServer server = AdminApiServer.start(settings, services.pki(),
                new UnroutedRequests(audit, settings.getInt(SettingKeys.API_MAX_BODY_BYTES)));
        return new AdminApi(server, new AdminApiRoutes(handlers, new ApiGuard(users.sessions()), responder),
                new ApiErrorHandling(responder));
    }

    /** Registers the listener's component and the routes with camel-main, before it starts. */
    public void bindTo(Main camel) {
        server.bindTo(camel);
        camel.configure().addRoutesBuilder(errors);
        camel.configure().addRoutesBuilder(routes);
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
