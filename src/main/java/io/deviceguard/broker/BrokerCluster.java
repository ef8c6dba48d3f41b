package io.deviceguard.broker;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.apache.activemq.artemis.core.config.ClusterConnectionConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.cluster.impl.MessageLoadBalancingType;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * Artemis clustering between deviceguard nodes, from {@code deviceguard.cluster.*}: nothing at all when no peer is
 * configured (a single node opens no port besides MQTT). With peers, the node gets a second acceptor, CORE protocol
 * only, TLS with client certificates required, that trusts only the cluster CA of the PKI (certs/cluster-ca.pem),
 * whose one certificate every node holds (they share HOME/certs) and no device does. Over it the brokers
 * form a cluster with static connectors, ON_DEMAND load balancing and immediate redistribution, and log in to each
 * other with the cluster password of the shared PKI.
 */
final class BrokerCluster {

    static final String ACCEPTOR = "cluster";
    static final String CLUSTER_USER = "deviceguard-cluster";
    static final String SELF = "cluster-self";

    private final String host;
    private final int port;
    private final String advertisedHost;
    private final List<String> peers;

    private BrokerCluster(String host, int port, String advertisedHost, List<String> peers) {
        this.host = host;
        this.port = port;
        this.advertisedHost = advertisedHost;
        this.peers = peers;
    }

    /** The cluster of these settings, or null when no peer is configured. */
    static BrokerCluster from(Settings settings) {
        List<String> peers = settings.getList(SettingKeys.CLUSTER_PEERS);
        if (peers.isEmpty()) {
            return null;
        }
        String host = settings.get(SettingKeys.CLUSTER_HOST);
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        String advertised = settings.getOrDefault(SettingKeys.CLUSTER_ADVERTISED_HOST, wildcard ? "" : host);
        if (advertised.isEmpty()) {
            throw new ConfigException(SettingKeys.CLUSTER_ADVERTISED_HOST + " must name this node's address for its peers"
                    + " when " + SettingKeys.CLUSTER_HOST + " is " + host);
        }
        return new BrokerCluster(host, settings.getInt(SettingKeys.CLUSTER_PORT), advertised, peers);
    }

    /** Adds the cluster acceptor, the connectors and the cluster connection to {@code config}. */
    void apply(Configuration config, Settings settings, Pki pki) {
        String tls = "sslEnabled=true;enabledProtocols=" + settings.get(SettingKeys.TLS_PROTOCOLS)
                + ";enabledCipherSuites=" + settings.get(SettingKeys.TLS_CIPHER_SUITES);
        pki.clusterIdentity();
        try {
            config.addAcceptorConfiguration(ACCEPTOR, "tcp://" + host + ":" + port + "?protocols=CORE;" + tls
                    + ";needClientAuth=true"
                    + ";keyStorePath=" + pki.file(Pki.SERVER_KEYSTORE) + ";keyStorePassword=" + new String(pki.password(Pki.SERVER_KEYSTORE))
                    + ";keyStoreType=PKCS12"
                    + ";trustStorePath=" + pki.file(Pki.CLUSTER_TRUSTSTORE) + ";trustStorePassword="
                    + new String(pki.password(Pki.CLUSTER_TRUSTSTORE)) + ";trustStoreType=PKCS12"
                    + ";sslHandshakeTimeout=" + settings.getInt(SettingKeys.TLS_HANDSHAKE_TIMEOUT));
            // how this node dials a peer (and how peers are told to dial it): the cluster node certificate as client
            // identity, the platform's root as the only trust, the peer's host name checked against its certificate
            String client = tls + ";verifyHost=true"
                    + ";keyStorePath=" + pki.file(Pki.CLUSTER_NODE_KEYSTORE) + ";keyStorePassword="
                    + new String(pki.password(Pki.CLUSTER_NODE_KEYSTORE))
                    + ";keyStoreType=PKCS12"
                    + ";trustStorePath=" + pki.file(Pki.CLIENT_TRUSTSTORE) + ";trustStorePassword="
                    + new String(pki.password(Pki.CLIENT_TRUSTSTORE)) + ";trustStoreType=PKCS12";
            config.addConnectorConfiguration(SELF, "tcp://" + advertisedHost + ":" + port + "?" + client);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < peers.size(); i++) {
                String name = "cluster-peer-" + i;
                config.addConnectorConfiguration(name, "tcp://" + peers.get(i) + "?" + client);
                names.add(name);
            }
            config.addClusterConfiguration(new ClusterConnectionConfiguration()
                    .setName("deviceguard")
                    .setAddress("")
                    .setConnectorName(SELF)
                    .setStaticConnectors(names)
                    .setMessageLoadBalancingType(MessageLoadBalancingType.ON_DEMAND)
                    .setMaxHops(1)
                    .setDuplicateDetection(true)
                    .setRetryInterval(500)
                    .setRetryIntervalMultiplier(2.0)
                    .setMaxRetryInterval(5000)
                    .setReconnectAttempts(-1));
        } catch (Exception e) {
            // the message may quote the URI, which holds key store passwords
            throw new ConfigException("the cluster configuration (deviceguard.cluster.*) is not valid ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        config.setClusterUser(CLUSTER_USER);
        config.setClusterPassword(new String(pki.clusterPassword()));
        // a message waiting on a node whose route consumers are gone moves at once to a node that has some
        for (AddressSettings s : config.getAddressSettings().values()) {
            if (s.getRedistributionDelay() < 0) {
                s.setRedistributionDelay(0);
            }
        }
        requirePortFree(host, port);
    }

    private static void requirePortFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException("cluster port " + host + ":" + port + " is not available: " + e.getMessage()
                    + " (choose another with " + SettingKeys.CLUSTER_PORT + ")");
        }
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    List<String> peers() {
        return peers;
    }
}
