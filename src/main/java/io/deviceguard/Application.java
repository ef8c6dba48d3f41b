package io.deviceguard;

import io.deviceguard.cli.DeviceGuardCommand;

/** Entry point: the {@code deviceguard} command line. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        io.deviceguard.crypto.CryptoProviders.install();
        System.exit(DeviceGuardCommand.execute(args));
    }
}
