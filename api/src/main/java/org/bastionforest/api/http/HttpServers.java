package org.bastionforest.api.http;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.ssl.SSLEngineConfigurator;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * Builds the Grizzly HTTP servers: the API (HTTPS unless configured otherwise) and the loopback
 * management listener. Resources and providers are registered explicitly: no classpath scanning.
 */
public final class HttpServers {
    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private HttpServers() {}

    /**
     * A Jersey application with exactly these resource classes, the JSON provider, and the given
     * service objects available for injection into the resources' {@code @Inject} constructors.
     */
    public static ResourceConfig application(List<Class<?>> resources, Services services) {
        return application(resources, List.of(), services);
    }

    /**
     * A Jersey application with these resource and provider classes, these provider or resource
     * instances, the JSON provider, and {@code services} injectable.
     */
    public static ResourceConfig application(
            List<Class<?>> resources, List<Object> instances, Services services) {
        ResourceConfig rc = new ResourceConfig();
        rc.register(JacksonFeature.withoutExceptionMappers());
        rc.register(new JsonMapper());
        rc.register(
                new AbstractBinder() {
                    @Override
                    protected void configure() {
                        services.bindAll(this);
                    }
                });
        resources.forEach(rc::register);
        instances.forEach(rc::register);
        rc.property(ServerProperties.WADL_FEATURE_DISABLE, true);
        // nothing is registered from the class path (META-INF/services): only what is listed here
        rc.property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true);
        rc.property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
        return rc;
    }

    /**
     * Starts a server on {@code host:port} (port 0: any free port).
     *
     * @param tls the TLS context, or null for plain HTTP
     */
    public static HttpServer start(String host, int port, ResourceConfig app, SSLContext tls)
            throws IOException {
        URI uri =
                URI.create(
                        (tls == null ? "http" : "https")
                                + "://"
                                + hostForUri(host)
                                + ":"
                                + port
                                + "/");
        HttpServer server;
        if (tls == null) {
            server = GrizzlyHttpServerFactory.createHttpServer(uri, app, false);
        } else {
            SSLEngineConfigurator engine = new SSLEngineConfigurator(tls, false, false, false);
            engine.setEnabledProtocols(TLS_PROTOCOLS);
            server = GrizzlyHttpServerFactory.createHttpServer(uri, app, true, engine, false);
        }
        for (NetworkListener listener : server.getListeners()) {
            listener.getTransport()
                    .setWorkerThreadPoolConfig(
                            listener.getTransport().getWorkerThreadPoolConfig().setMaxPoolSize(32));
            // a client that stops sending mid-body frees its worker thread after this long
            listener.getTransport().setReadTimeout(30, java.util.concurrent.TimeUnit.SECONDS);
            listener.setMaxRequestHeaders(100);
            listener.setMaxHttpHeaderSize(16 * 1024);
        }
        org.glassfish.grizzly.http.server.ServerConfiguration config =
                server.getServerConfiguration();
        for (var handler : java.util.Map.copyOf(config.getHttpHandlersWithMapping()).entrySet()) {
            config.removeHttpHandler(handler.getKey());
            config.addHttpHandler(new WellFormedUris(handler.getKey()), handler.getValue());
        }
        server.getServerConfiguration().setHttpServerName("bastion-forest");
        server.getServerConfiguration().setHttpServerVersion("");
        server.start();
        return server;
    }

    /** The port a started server actually listens on. */
    public static int port(HttpServer server) {
        return server.getListeners().iterator().next().getPort();
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
