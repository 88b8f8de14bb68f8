#!/usr/bin/env node
// Static consistency check of the production packaging (infra/docker, infra/compose, infra/k8s) against
// the code: services, default ports, environment variables, probes, secrets. Needs no Docker and no cluster.
//
//   node infra/check-packaging.js [ROOT]   # exit 0 when consistent; else every problem, one per line, exit 1
//
// ROOT (default: this repository) lets test/unit/packaging.spec.ts check an altered copy.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const rel = (file) => path.relative(ROOT, file);
const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

let YAML;
try {
  YAML = require('yaml');
} catch {
  process.stderr.write('check-packaging: the `yaml` package is not installed (run `npm ci` at the repository root)\n');
  process.exit(2);
}

const problems = [];
let checks = 0;
/** Records one assertion; the message says what is wrong, where. */
function expect(condition, message) {
  checks += 1;
  if (!condition) problems.push(message);
  return condition;
}

// ---------------------------------------------------------------------------------------------------
// What the code says: services, their default ports, the environment variables each schema knows, and
// how each may scale ("medshare.scaling" in the app's package.json, the one place that says it):
//   scale-out        any number of instances share the work
//   single-instance  exactly one instance, never two at once (state that instances cannot share)
//   active-standby   two instances: one works, the other takes over
const SCALINGS = ['scale-out', 'single-instance', 'active-standby'];

const envNamesIn = (source) => new Set([...source.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)].map((match) => match[1]));
const BASE_ENV = envNamesIn(read('libs/service-kit/src/config.ts'));
const PLATFORM_ENV = envNamesIn(read('libs/service-kit/src/platform-keys.ts'));
const OBJECT_STORE_ENV = envNamesIn(read('libs/service-kit/src/object-store.ts'));
// `medshare topics`: its own variables, and the Kafka client's (tools/cli/src/kafka.ts: brokers and security).
const CLI_TOPICS_ENV = new Set([
  ...[...read('tools/cli/src/commands/topics.ts').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]),
  ...[...read('tools/cli/src/kafka.ts').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]),
  ...[...read('libs/messaging/src/kafka-security.ts').matchAll(/^\s*(KAFKA_[A-Z_]+)\?:/gm)].map((match) => match[1]),
]);

/** name -> { port, env, scaling } for every folder of apps/ with a main.ts. */
const SERVICES = new Map();
for (const name of fs.readdirSync(path.join(ROOT, 'apps')).sort()) {
  if (!fs.existsSync(path.join(ROOT, 'apps', name, 'src/main.ts'))) continue;
  // A service's schema may spread parts kept next to the code they configure (`./auth/auth-config`).
  const parts = [...read(`apps/${name}/src/config.ts`).matchAll(/from '\.\/([\w/-]+-config)'/g)].map((match) => read(`apps/${name}/src/${match[1]}.ts`));
  const config = [read(`apps/${name}/src/config.ts`), ...parts].join('\n');
  const port = /PORT:\s*port\((\d+)\)/.exec(config);
  if (!expect(port !== null, `apps/${name}/src/config.ts: no \`PORT: port(<default>)\` found`)) continue;
  const env = envNamesIn(config);
  if (config.includes('baseConfigSchema')) BASE_ENV.forEach((name) => env.add(name));
  if (config.includes('platformKeysSchema')) PLATFORM_ENV.forEach((name) => env.add(name));
  // The attachments' S3 store: without its settings a service would fall back to the development store and its public key.
  const objectStore = config.includes('objectStoreConfigSchema');
  if (objectStore) OBJECT_STORE_ENV.forEach((name) => env.add(name));
  const scaling = JSON.parse(read(`apps/${name}/package.json`)).medshare?.scaling;
  expect(SCALINGS.includes(scaling), `apps/${name}/package.json: "medshare": { "scaling": ... } must be one of ${SCALINGS.join(', ')}`);
  SERVICES.set(name, { port: Number(port[1]), env, scaling, objectStore });
}
expect(SERVICES.size > 0, 'apps/: no service found');

function parseYamlFile(file) {
  const documents = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: true });
  const parsed = [];
  for (const document of documents) {
    for (const error of document.errors) problems.push(`${rel(file)}: YAML error: ${error.message}`);
    const value = document.toJSON();
    if (value !== null && value !== undefined) parsed.push(value);
  }
  checks += 1;
  return parsed;
}

function yamlFilesUnder(folder) {
  return fs
    .readdirSync(path.join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** The seconds of a compose duration such as 30s, 1m30s. */
function durationSeconds(value) {
  const parts = [...String(value).matchAll(/(\d+)(h|m|s|ms)/g)];
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return parts.reduce((total, [, amount, suffix]) => total + Number(amount) * unit[suffix], 0);
}

// ---------------------------------------------------------------------------------------------------
// infra/docker

function checkDockerfile() {
  const file = 'infra/docker/Dockerfile';
  const text = read(file);
  expect(
    /^FROM \$\{NODE_IMAGE\} AS build$/m.test(text) && /^ARG NODE_IMAGE=node:20-bookworm-slim$/m.test(text),
    `${file}: both stages must come from node:20-bookworm-slim (ARG NODE_IMAGE)`,
  );
  expect(/^ARG SERVICE$/m.test(text) && /^ARG PORT$/m.test(text), `${file}: needs ARG SERVICE and ARG PORT in the runtime stage`);
  expect(/npm ci\b/.test(text) && /npm prune --omit=dev/.test(text), `${file}: the build stage must run npm ci and npm prune --omit=dev`);
  expect(/^EXPOSE \$\{PORT\}$/m.test(text), `${file}: EXPOSE \${PORT} missing`);
  expect(/^USER [1-9]\d*:[1-9]\d*$/m.test(text), `${file}: USER must be a numeric non-root uid:gid`);
  expect(/NODE_ENV=production/.test(text), `${file}: ENV NODE_ENV=production missing`);
  expect(/^HEALTHCHECK .*CMD \["node", "healthcheck\.js", "\/health\/live"\]$/m.test(text), `${file}: HEALTHCHECK must fetch /health/live`);
  expect(/^CMD \["node", "service\.js"\]$/m.test(text), `${file}: CMD must be the exec form ["node", "service.js"]`);
  expect(fs.existsSync(path.join(ROOT, 'infra/docker/Dockerfile.dockerignore')), 'infra/docker/Dockerfile.dockerignore missing');
  const entry = read('infra/docker/service.js');
  expect(
    entry.includes('dist/apps/${process.env.MEDSHARE_SERVICE}/src/main.js') && /MEDSHARE_SERVICE=\$\{SERVICE\}/.test(text),
    'infra/docker/service.js must start dist/apps/<SERVICE>/src/main.js',
  );
}

// ---------------------------------------------------------------------------------------------------
// infra/compose

function checkCompose() {
  const file = path.join(ROOT, 'infra/compose/compose.yaml');
  const [compose] = parseYamlFile(file);
  const where = rel(file);
  if (!expect(compose?.services, `${where}: no services`)) return;
  const services = compose.services;
  const seen = new Set();

  for (const [name, service] of Object.entries(services)) {
    const at = `${where}: services.${name}`;
    const limits = service.deploy?.resources?.limits ?? {};
    expect(limits.cpus !== undefined && limits.memory !== undefined, `${at}: needs deploy.resources.limits with cpus and memory`);
    for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
      expect(dependency in services, `${at}: depends on unknown service ${dependency}`);
      const wanted = condition?.condition;
      expect(
        wanted === 'service_healthy' || wanted === 'service_completed_successfully',
        `${at}: depends_on.${dependency} needs condition service_healthy or service_completed_successfully`,
      );
      if (wanted === 'service_healthy') {
        const target = services[dependency] ?? {};
        expect(
          target.healthcheck?.test !== undefined && target.healthcheck?.disable !== true,
          `${at}: waits for ${dependency} to be healthy, which has no healthcheck`,
        );
      }
    }
    const args = service.build?.args;
    if (args === undefined) continue;
    expect(
      service.build.dockerfile === 'infra/docker/Dockerfile' && path.resolve(path.dirname(file), service.build.context) === ROOT,
      `${at}: must build infra/docker/Dockerfile with the repository root as context`,
    );
    const app = SERVICES.get(args.SERVICE);
    if (!expect(app !== undefined, `${at}: build arg SERVICE=${args.SERVICE} is not a service in apps/`)) continue;
    expect(Number(args.PORT) === app.port, `${at}: build arg PORT=${args.PORT}, but ${args.SERVICE} listens on ${app.port} by default`);
    const env = service.environment ?? {};
    expect(!Array.isArray(env), `${at}: write environment as a map`);

    if (name === 'topics') {
      expect(
        JSON.stringify(service.command) === JSON.stringify(['node', 'tools/cli/bin/medshare.js', 'topics', 'create']),
        `${at}: must run node tools/cli/bin/medshare.js topics create`,
      );
      for (const variable of Object.keys(env)) expect(CLI_TOPICS_ENV.has(variable), `${at}: ${variable} is not read by \`medshare topics\``);
      continue;
    }

    expect(name === args.SERVICE, `${at}: the compose service must be named after its app (${args.SERVICE})`);
    seen.add(name);
    for (const variable of Object.keys(env)) expect(app.env.has(variable), `${at}: ${variable} is not in ${name}'s configuration schema`);
    expect(env.NODE_ENV === 'production', `${at}: NODE_ENV must be production`);
    expect(env.PORT === undefined || Number(env.PORT) === app.port, `${at}: PORT=${env.PORT} differs from the default ${app.port}`);
    expect(
      (service.ports ?? []).some((mapping) => String(mapping).endsWith(`:${app.port}`)),
      `${at}: publishes no port ending in :${app.port}`,
    );
    const probe = (service.healthcheck?.test ?? []).join(' ');
    expect(/healthcheck\.js \/health\/(ready|live)$/.test(probe), `${at}: healthcheck must run healthcheck.js on /health/ready or /health/live`);
    expect(service.depends_on?.topics?.condition === 'service_completed_successfully', `${at}: must wait for the topics one-shot`);
    const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 15000);
    expect(
      durationSeconds(service.stop_grace_period ?? '10s') * 1000 > shutdownMs,
      `${at}: stop_grace_period must exceed SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms)`,
    );
    expect(service.read_only === true, `${at}: read_only must be true`);
    if (app.scaling === 'single-instance') {
      expect(
        (service.deploy?.replicas ?? 1) === 1 && service.scale === undefined,
        `${at}: ${name} is single-instance (apps/${name}/package.json): no replicas or scale`,
      );
    }
  }
  for (const name of SERVICES.keys()) expect(seen.has(name), `${where}: no compose service for apps/${name}`);

  // Every ${VAR} the file interpolates comes from example.env or has a default; every example.env key is used.
  const text = fs.readFileSync(file, 'utf8');
  const example = read('infra/compose/example.env');
  const exampleKeys = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
  const interpolated = new Set();
  const undefaulted = new Set();
  for (const [, variable, operator] of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:?[-?])?/g)) {
    interpolated.add(variable);
    if (operator?.endsWith('-') !== true) undefaulted.add(variable);
  }
  for (const variable of undefaulted) expect(exampleKeys.has(variable), `${where}: \${${variable}} has no default and is not in infra/compose/example.env`);
  for (const variable of exampleKeys) expect(interpolated.has(variable), `infra/compose/example.env: ${variable} is not used by compose.yaml`);
  checkComposeTransport(services, where);
  checkComposeDatabases(services, where);
  checkComposeObjectStore(services, where);
}

/** The ${VARIABLE} a compose value interpolates (its first), if any. */
const interpolatedVariable = (value) => /\$\{([A-Z][A-Z0-9_]*)/.exec(String(value ?? ''))?.[1];

/** Each service logs in to PostgreSQL as a role of its own that owns its database, never as the server's superuser. */
function checkComposeDatabases(services, where) {
  const rolesScript = 'infra/compose/postgres-init/service-roles.sh';
  expect(
    /CREATE ROLE [^;]*NOSUPERUSER NOCREATEDB NOCREATEROLE;/.test(read(rolesScript)),
    `${rolesScript}: the service roles must be NOSUPERUSER NOCREATEDB NOCREATEROLE`,
  );
  const servers = new Map(Object.entries(services).filter(([, service]) => String(service.image ?? '').startsWith('postgres:')));
  for (const [name, service] of Object.entries(services)) {
    if (service.build?.args === undefined || name === 'topics') continue;
    const at = `${where}: services.${name}`;
    const env = service.environment ?? {};
    const role = name.replace(/-/g, '_');
    for (const url of [env.DATABASE_URL, ...String(env.LEDGER_REPLICA_URLS ?? '').split(',')].filter((url) => url !== undefined && url.trim() !== '')) {
      const match = /^postgres(?:ql)?:\/\/([^:@/]+):\$\{([A-Z][A-Z0-9_]*)[^}]*\}@([^:/]+)/.exec(url.trim());
      if (!expect(match !== null, `${at}: database URLs must be postgres://<role>:\${<PASSWORD VARIABLE>}@<server>/...`)) continue;
      const [, user, password, host] = match;
      const server = servers.get(host)?.environment;
      if (!expect(server !== undefined, `${at}: database server ${host} is not a PostgreSQL service of the compose file`)) continue;
      const superuser = server.POSTGRES_USER ?? 'postgres';
      expect(
        user === role && user !== superuser && password !== interpolatedVariable(server.POSTGRES_PASSWORD),
        `${at}: must log in to ${host} as its own role ${role}, never as the server's superuser ${superuser} or with its password`,
      );
      expect(
        String(server.MEDSHARE_DB_ROLES ?? '')
          .split(/\s+/)
          .includes(role) && interpolatedVariable(server[`DB_PASSWORD_${role.toUpperCase()}`]) === password,
        `${at}: ${host} must create the role ${role} (MEDSHARE_DB_ROLES, DB_PASSWORD_${role.toUpperCase()} = \${${password}})`,
      );
      expect(
        (servers.get(host).volumes ?? []).includes('./postgres-init:/docker-entrypoint-initdb.d:ro'),
        `${where}: services.${host} must run postgres-init/ (the service roles) on its first start`,
      );
    }
  }
}

/** The services that store attachments name the S3 store and a key of their own (else: the development store and its public key). */
function checkComposeObjectStore(services, where) {
  const keyUsers = new Map();
  for (const [name, service] of Object.entries(services)) {
    const app = SERVICES.get(service.build?.args?.SERVICE);
    if (app?.objectStore !== true || name === 'topics') continue;
    const env = service.environment ?? {};
    const at = `${where}: services.${name}`;
    expect(
      ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].every((variable) => env[variable] !== undefined),
      `${at}: stores attachments, so it needs S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY`,
    );
    for (const variable of ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) {
      const source = interpolatedVariable(env[variable]) ?? env[variable];
      if (source === undefined) continue;
      expect(!keyUsers.has(source), `${at}: ${variable} is ${keyUsers.get(source)}'s too: each service has an S3 key of its own`);
      keyUsers.set(source, name);
    }
  }
}

// The SCRAM users infra/kafka/kafka.sh makes: operator, each service, the analysts (test/unit/topic-owners.spec.ts).
const KAFKA_PRINCIPALS = (/PRINCIPALS="\$\{KAFKA_PRINCIPALS:-([^}]+)\}"/.exec(read('infra/kafka/kafka.sh'))?.[1] ?? '').split(' ').filter(Boolean);
const SECURE_DATABASE = /\?sslmode=verify-full&sslrootcert=\/run\/secrets\/medshare-ca$/;

/** Kafka over SASL_SSL with a principal per service, PostgreSQL over TLS with verify-full: every hop of the compose file. */
function checkComposeTransport(services, where) {
  const secretsOf = (service) => (service.secrets ?? []).map((secret) => (typeof secret === 'string' ? { source: secret, target: secret } : secret));
  // Three KRaft nodes named kafka-<id> (kafka-start.sh's quorum and advertised listeners name them so).
  const nodes = Object.entries(services).filter(([, service]) => JSON.stringify(service.entrypoint) === JSON.stringify(['bash', '/medshare/kafka-start.sh']));
  expect(
    nodes.length === 3 && nodes.every(([name, service]) => name === `kafka-${service.environment?.KAFKA_NODE_ID}`),
    `${where}: needs three Kafka nodes kafka-1, kafka-2, kafka-3 started with kafka-start.sh (KAFKA_NODE_ID 1-3; found ${nodes.map(([name]) => name).join(', ') || 'none'})`,
  );
  const script = read('infra/compose/kafka-start.sh');
  // server.properties as the script writes it (the last line of a key wins, as in Kafka).
  const settings = new Map([...script.matchAll(/^([a-z][a-z0-9._-]*)=(.*)$/gm)].map((match) => [match[1], match[2]]));
  for (const [key, value] of [
    ['listener.security.protocol.map', 'SASL_SSL:SASL_SSL,CONTROLLER:SSL,HOST:SASL_SSL'],
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['ssl.enabled.protocols', 'TLSv1.3'],
    ['listener.name.controller.ssl.client.auth', 'required'],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    // No service is a super user: the broker's own principal and the operator's CLI only.
    ['super.users', 'User:broker;User:operator'],
    ['controller.quorum.voters', '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093'],
    // Every topic, internal ones included, on the three nodes; an acks=all write needs two of them.
    ['default.replication.factor', '3'],
    ['min.insync.replicas', '2'],
    ['offsets.topic.replication.factor', '3'],
    ['transaction.state.log.replication.factor', '3'],
    ['transaction.state.log.min.isr', '2'],
  ])
    expect(settings.get(key) === value, `infra/compose/kafka-start.sh: missing ${key}=${value}`);
  expect(script.includes('--add-scram'), 'infra/compose/kafka-start.sh: missing --add-scram');
  expect(KAFKA_PRINCIPALS.length > 0, 'infra/kafka/kafka.sh: no PRINCIPALS list found');
  for (const [name, node] of nodes) {
    const brokerSecrets = new Set(secretsOf(node).map((secret) => secret.source));
    for (const principal of ['broker', ...KAFKA_PRINCIPALS])
      expect(brokerSecrets.has(`kafka-${principal}`), `${where}: services.${name} lacks the secret kafka-${principal} (its SCRAM user)`);
  }
  const bootstrap = nodes
    .map(([name]) => `${name}:9092`)
    .sort()
    .join();

  for (const [name, service] of Object.entries(services)) {
    const at = `${where}: services.${name}`;
    if (String(service.image ?? '').startsWith('postgres:')) {
      const command = (service.command ?? []).join(' ');
      expect(/ssl=on/.test(command) && /ssl_min_protocol_version=TLSv1\.3/.test(command), `${at}: PostgreSQL must serve TLS 1.3 (ssl=on)`);
      continue;
    }
    if (service.build?.args === undefined) continue;
    const env = service.environment ?? {};
    const principal = name === 'topics' ? 'operator' : name;
    expect(
      env.KAFKA_SECURITY === 'sasl_ssl' && env.KAFKA_CA_FILE === '/run/secrets/medshare-ca' && env.KAFKA_PASSWORD_FILE === '/run/secrets/kafka-password',
      `${at}: must reach Kafka over sasl_ssl (KAFKA_SECURITY, KAFKA_CA_FILE=/run/secrets/medshare-ca, KAFKA_PASSWORD_FILE=/run/secrets/kafka-password)`,
    );
    expect(name !== 'topics' || env.KAFKA_USERNAME === 'operator', `${at}: applies the ACLs, so it logs in as the operator`);
    expect(
      String(env.KAFKA_BROKERS ?? '')
        .split(',')
        .map((broker) => broker.trim())
        .sort()
        .join() === bootstrap,
      `${at}: KAFKA_BROKERS must name every Kafka node (${bootstrap})`,
    );
    const mounted = secretsOf(service);
    expect(
      mounted.some((secret) => secret.source === 'medshare-ca') &&
        mounted
          .filter((secret) => secret.target === 'kafka-password')
          .map((secret) => secret.source)
          .join() === `kafka-${principal}`,
      `${at}: must mount medshare-ca and only its own Kafka password (kafka-${principal} as kafka-password)`,
    );
    const databases = [env.DATABASE_URL, ...String(env.LEDGER_REPLICA_URLS ?? '').split(',')].filter((url) => url !== undefined && url.trim() !== '');
    for (const url of databases)
      expect(SECURE_DATABASE.test(url.trim()), `${at}: database URLs must end in ?sslmode=verify-full&sslrootcert=/run/secrets/medshare-ca`);
  }
}

// ---------------------------------------------------------------------------------------------------
// infra/k8s

function checkKubernetes() {
  const files = yamlFilesUnder('infra/k8s');
  const resources = files.flatMap((file) => parseYamlFile(file).map((resource) => ({ file: rel(file), resource })));
  const ofKind = (kind) => resources.filter(({ resource }) => resource.kind === kind);

  const configMap = ofKind('ConfigMap').find(({ resource }) => resource.metadata?.name === 'medshare-config');
  const secret = ofKind('Secret').find(({ resource }) => resource.metadata?.name === 'medshare-keys');
  expect(configMap !== undefined, 'infra/k8s: no ConfigMap medshare-config');
  expect(secret !== undefined && secret.file.startsWith('infra/k8s/templates/'), 'infra/k8s: no Secret template medshare-keys under infra/k8s/templates/');
  const configKeys = configMap?.resource.data ?? {};
  const secretKeys = secret?.resource.stringData ?? {};
  for (const [key, value] of Object.entries(secretKeys)) {
    expect(value.includes('<') && !value.includes('-----BEGIN'), `${secret.file}: ${key} must be a <placeholder>, never a real value`);
  }

  const kustomization = resources.find(({ resource }) => resource.kind === 'Kustomization');
  const listed = new Set(kustomization?.resource.resources ?? []);
  for (const file of files) {
    const name = path.relative(path.join(ROOT, 'infra/k8s'), file);
    if (name === 'kustomization.yaml') continue;
    if (name.startsWith('templates/')) expect(!listed.has(name), `infra/k8s/kustomization.yaml: must not apply the template ${name}`);
    else expect(listed.has(name), `infra/k8s/kustomization.yaml: does not list ${name}`);
  }

  /** Kafka over SASL_SSL as `principal` with the transport Secret's CA and that principal's password only. */
  function checkTransport(at, podSpec, container, env, principal) {
    expect(
      configKeys[env.get('KAFKA_SECURITY')?.valueFrom?.configMapKeyRef?.key] === 'sasl_ssl',
      `${at}: KAFKA_SECURITY must come from medshare-config, which must say sasl_ssl`,
    );
    const mount = (container.volumeMounts ?? []).find((volumeMount) => volumeMount.name === 'transport');
    const volume = (podSpec.volumes ?? []).find((candidate) => candidate.name === 'transport');
    const items = (volume?.secret?.items ?? []).map((item) => `${item.key}>${item.path}`).sort();
    expect(
      volume?.secret?.secretName === 'medshare-transport' &&
        JSON.stringify(items) === JSON.stringify(['ca.crt>ca.crt', `${principal}.password>password`].sort()),
      `${at}: must mount medshare-transport with ca.crt and only its own ${principal}.password`,
    );
    expect(
      mount?.mountPath !== undefined &&
        env.get('KAFKA_CA_FILE')?.value === `${mount.mountPath}/ca.crt` &&
        env.get('KAFKA_PASSWORD_FILE')?.value === `${mount.mountPath}/password`,
      `${at}: KAFKA_CA_FILE and KAFKA_PASSWORD_FILE must name the mounted transport files`,
    );
  }

  const usedConfigKeys = new Set();
  const usedSecretKeys = new Set();
  /** Checks a container's env against the names a schema knows and the keys the ConfigMap/Secret hold. */
  function checkEnv(at, container, known) {
    expect(container.envFrom === undefined, `${at}: no envFrom (each variable by name, so nothing unknown leaks in)`);
    const env = new Map();
    for (const variable of container.env ?? []) {
      env.set(variable.name, variable);
      expect(known.has(variable.name), `${at}: ${variable.name} is not in the configuration schema`);
      const fromConfig = variable.valueFrom?.configMapKeyRef;
      const fromSecret = variable.valueFrom?.secretKeyRef;
      if (fromConfig) {
        usedConfigKeys.add(fromConfig.key);
        expect(
          fromConfig.name === 'medshare-config' && fromConfig.key in configKeys,
          `${at}: ${variable.name} refers to a missing ConfigMap key ${fromConfig.name}/${fromConfig.key}`,
        );
      }
      if (fromSecret) {
        usedSecretKeys.add(fromSecret.key);
        expect(
          fromSecret.name === 'medshare-keys' && fromSecret.key in secretKeys,
          `${at}: ${variable.name} refers to a missing Secret key ${fromSecret.name}/${fromSecret.key}`,
        );
      }
    }
    return env;
  }

  const deployments = new Map();
  for (const { file, resource } of ofKind('Deployment')) {
    const name = resource.metadata?.name;
    const at = `${file}: Deployment ${name}`;
    const app = SERVICES.get(name);
    if (!expect(app !== undefined, `${at}: not a service in apps/`)) continue;
    deployments.set(name, resource);
    const pod = resource.spec?.template ?? {};
    const spec = pod.spec ?? {};
    const [container, ...others] = spec.containers ?? [];
    if (!expect(container !== undefined && others.length === 0, `${at}: needs exactly one container`)) continue;

    const httpPort = (container.ports ?? []).find((port) => port.name === 'http');
    expect(httpPort?.containerPort === app.port, `${at}: containerPort "http" must be ${app.port}`);
    const probePort = (probe) => probe?.httpGet?.port === 'http' || probe?.httpGet?.port === app.port;
    expect(
      container.readinessProbe?.httpGet?.path === '/health/ready' && probePort(container.readinessProbe),
      `${at}: readinessProbe must GET /health/ready on the http port`,
    );
    expect(
      container.livenessProbe?.httpGet?.path === '/health/live' && probePort(container.livenessProbe),
      `${at}: livenessProbe must GET /health/live on the http port`,
    );
    if (container.startupProbe)
      expect(container.startupProbe.httpGet?.path === '/health/live' && probePort(container.startupProbe), `${at}: startupProbe must GET /health/live`);

    const annotations = pod.metadata?.annotations ?? {};
    expect(
      annotations['prometheus.io/scrape'] === 'true' &&
        annotations['prometheus.io/port'] === String(app.port) &&
        annotations['prometheus.io/path'] === '/metrics',
      `${at}: prometheus.io annotations must scrape /metrics on ${app.port}`,
    );

    const security = { ...spec.securityContext, ...container.securityContext };
    expect(security.runAsNonRoot === true, `${at}: runAsNonRoot must be true`);
    expect(container.securityContext?.readOnlyRootFilesystem === true, `${at}: readOnlyRootFilesystem must be true`);
    expect(container.securityContext?.allowPrivilegeEscalation === false, `${at}: allowPrivilegeEscalation must be false`);
    for (const one of [container, ...(spec.initContainers ?? [])]) expectResources(`${at}: container ${one.name}`, one.resources);

    const env = checkEnv(at, container, app.env);
    checkTransport(at, spec, container, env, name);
    expect(
      env.get('NODE_ENV')?.valueFrom?.configMapKeyRef !== undefined && configKeys.NODE_ENV === 'production',
      `${at}: NODE_ENV must come from medshare-config, which must say production`,
    );
    expect(env.get('INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath === 'metadata.name', `${at}: INSTANCE_ID must be the pod name (every container is pid 1)`);
    const shutdownKey = env.get('SHUTDOWN_TIMEOUT_MS')?.valueFrom?.configMapKeyRef?.key;
    const shutdownSeconds = Number(shutdownKey ? configKeys[shutdownKey] : (env.get('SHUTDOWN_TIMEOUT_MS')?.value ?? 15000)) / 1000;
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    expect(
      (spec.terminationGracePeriodSeconds ?? 30) > shutdownSeconds + preStopSeconds,
      `${at}: terminationGracePeriodSeconds must exceed preStop (${preStopSeconds} s) + SHUTDOWN_TIMEOUT_MS (${shutdownSeconds} s)`,
    );

    const labels = pod.metadata?.labels ?? {};
    const matches = (selector) => Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value) && Object.keys(selector ?? {}).length > 0;
    const service = ofKind('Service').find(({ resource: candidate }) => candidate.metadata?.name === name);
    if (expect(service !== undefined, `${at}: no Service ${name}`)) {
      expect(matches(service.resource.spec?.selector), `${service.file}: Service ${name} does not select the Deployment's pods`);
      expect(
        (service.resource.spec?.ports ?? []).some((port) => port.targetPort === 'http' || port.targetPort === app.port),
        `${service.file}: Service ${name} must target the http port`,
      );
    }
    const replicas = resource.spec?.replicas ?? 1;
    if (app.scaling === 'single-instance') {
      // A rolling update starts the new pod before the old one stops: for a moment there would be two.
      expect(
        replicas === 1 && resource.spec?.strategy?.type === 'Recreate',
        `${at}: ${name} is single-instance (apps/${name}/package.json): replicas must be 1 and the strategy Recreate`,
      );
    }
    if (app.scaling === 'active-standby')
      expect(replicas === 2, `${at}: ${name} is active-standby (apps/${name}/package.json): replicas must be 2 (one active, one standby)`);
    // Redundant by default: a scale-out service runs twice at least, so a lost node or a drain leaves one serving.
    if (app.scaling === 'scale-out') expect(replicas >= 2, `${at}: ${name} is scale-out (apps/${name}/package.json): replicas must be 2 or more`);
    if (app.scaling !== 'single-instance') {
      const budget = ofKind('PodDisruptionBudget').find(({ resource: candidate }) => matches(candidate.spec?.selector?.matchLabels));
      expect(
        budget !== undefined && budget.resource.spec?.minAvailable >= 1,
        `${at}: no PodDisruptionBudget (minAvailable 1 or more) selects the ${name} pods`,
      );
    }
    if (app.objectStore) {
      // The attachments' store: https, and a key of this service's own (never the development store and its public key).
      expect(
        /^https:\/\//.test(configKeys[env.get('S3_ENDPOINT')?.valueFrom?.configMapKeyRef?.key] ?? ''),
        `${at}: stores attachments, so S3_ENDPOINT must come from medshare-config and be an https:// URL`,
      );
      const prefix = `${name.replace(/-/g, '_').toUpperCase()}_S3_`;
      expect(
        ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].every((variable) => env.get(variable)?.valueFrom?.secretKeyRef?.key === `${prefix}${variable.slice(3)}`),
        `${at}: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be its own, medshare-keys ${prefix}ACCESS_KEY_ID and ${prefix}SECRET_ACCESS_KEY`,
      );
    }
  }
  for (const name of SERVICES.keys()) expect(deployments.has(name), `infra/k8s: no Deployment for apps/${name}`);

  for (const { file, resource } of ofKind('Job')) {
    const [container] = resource.spec?.template?.spec?.containers ?? [];
    const at = `${file}: Job ${resource.metadata?.name}`;
    expect(
      JSON.stringify(container?.command) === JSON.stringify(['node', 'tools/cli/bin/medshare.js', 'topics', 'create']),
      `${at}: must run node tools/cli/bin/medshare.js topics create`,
    );
    for (const one of [...(resource.spec?.template?.spec?.containers ?? []), ...(resource.spec?.template?.spec?.initContainers ?? [])])
      expectResources(`${at}: container ${one.name}`, one.resources);
    const env = checkEnv(at, container ?? {}, CLI_TOPICS_ENV);
    checkTransport(at, resource.spec?.template?.spec ?? {}, container ?? {}, env, 'operator');
    expect(env.get('KAFKA_USERNAME')?.value === 'operator', `${at}: applies the ACLs, so it logs in as the operator`);
  }
  const transport = ofKind('Secret').find(({ resource }) => resource.metadata?.name === 'medshare-transport');
  if (
    expect(
      transport !== undefined && transport.file.startsWith('infra/k8s/templates/'),
      'infra/k8s: no Secret template medshare-transport under infra/k8s/templates/',
    )
  ) {
    const keys = transport.resource.stringData ?? {};
    for (const key of ['ca.crt', ...['operator', ...SERVICES.keys()].map((principal) => `${principal}.password`)])
      expect(String(keys[key] ?? '').includes('<'), `${transport.file}: ${key} must be there, as a <placeholder>`);
  }
  for (const [key, url] of Object.entries(secretKeys).filter(([key]) => /DATABASE_URL|REPLICA_URLS/.test(key)))
    for (const one of url.split(',')) {
      expect(
        one.endsWith('?sslmode=verify-full&sslrootcert=/etc/medshare/transport/ca.crt'),
        `${secret?.file}: ${key} must connect with sslmode=verify-full and the transport CA`,
      );
      // <SERVICE>_DATABASE_URL logs in as the service's role; the ledger's replicas as `ledger`; never a superuser.
      const role = key === 'LEDGER_REPLICA_URLS' ? 'ledger' : key.replace(/_DATABASE_URL$/, '').toLowerCase();
      expect(
        /^postgres(ql)?:\/\/([^:@/]+)[:@]/.exec(one)?.[2] === role,
        `${secret?.file}: ${key} must log in as the service's own role ${role}, never a superuser`,
      );
    }
  checkStrimzi(ofKind, configKeys);
  for (const key of Object.keys(configKeys)) expect(usedConfigKeys.has(key), `infra/k8s: ConfigMap key ${key} is used by no workload`);
  for (const key of Object.keys(secretKeys)) expect(usedSecretKeys.has(key), `infra/k8s: Secret key ${key} is used by no workload`);
}

/** cpu and memory requests and limits, for the scheduler and so that no container can starve the others. */
function expectResources(at, resources = {}) {
  expect(
    ['requests', 'limits'].every((kind) => resources[kind]?.cpu !== undefined && resources[kind]?.memory !== undefined),
    `${at}: needs cpu and memory requests and limits`,
  );
}

/**
 * The Strimzi cluster the ConfigMap's KAFKA_BROKERS names (kafka.yaml): three KRaft brokers and controllers, RF 3 with
 * min.insync.replicas 2, the client listener TLS + SCRAM-SHA-512, simple authorization with the operator the only super
 * user, and a KafkaUser per principal of kafka.sh (their ACLs: kafka-users.yaml, generated and diffed by acls.spec.ts).
 */
function checkStrimzi(ofKind, configKeys) {
  const bootstrap = /^([a-z0-9-]+)-kafka-bootstrap\.([a-z0-9-]+)\.svc:(\d+)$/.exec(String(configKeys.KAFKA_BROKERS ?? ''));
  if (!expect(bootstrap !== null, 'infra/k8s/config.yaml: KAFKA_BROKERS must be <cluster>-kafka-bootstrap.<namespace>.svc:<port> (Strimzi)')) return;
  const [, cluster, namespace, port] = bootstrap;
  const ofCluster = (kind) =>
    ofKind(kind).filter(({ resource }) => resource.apiVersion?.startsWith('kafka.strimzi.io/') && resource.metadata?.namespace === namespace);
  const found = ofCluster('Kafka').find(({ resource }) => resource.metadata?.name === cluster);
  if (!expect(found !== undefined, `infra/k8s: no Strimzi Kafka ${cluster} in namespace ${namespace} (KAFKA_BROKERS)`)) return;
  const { file, resource } = found;
  const at = `${file}: Kafka ${cluster}`;
  const annotations = resource.metadata?.annotations ?? {};
  expect(annotations['strimzi.io/kraft'] === 'enabled' && annotations['strimzi.io/node-pools'] === 'enabled', `${at}: must be KRaft with node pools`);
  const pools = ofCluster('KafkaNodePool').filter(({ resource: pool }) => pool.metadata?.labels?.['strimzi.io/cluster'] === cluster);
  const nodes = (role) =>
    pools.filter(({ resource: pool }) => (pool.spec?.roles ?? []).includes(role)).reduce((sum, { resource: pool }) => sum + (pool.spec?.replicas ?? 0), 0);
  expect(
    nodes('broker') === 3 && nodes('controller') === 3,
    `${at}: needs three brokers and three controllers (found ${nodes('broker')} and ${nodes('controller')})`,
  );
  for (const { file: poolFile, resource: pool } of pools) expectResources(`${poolFile}: KafkaNodePool ${pool.metadata?.name}`, pool.spec?.resources);
  const config = resource.spec?.kafka?.config ?? {};
  for (const [key, value] of [
    ['default.replication.factor', 3],
    ['min.insync.replicas', 2],
    ['offsets.topic.replication.factor', 3],
    ['transaction.state.log.replication.factor', 3],
    ['transaction.state.log.min.isr', 2],
  ])
    expect(Number(config[key]) === value, `${at}: spec.kafka.config needs ${key}: ${value}`);
  const listener = (resource.spec?.kafka?.listeners ?? []).find((candidate) => String(candidate.port) === port);
  expect(
    listener?.tls === true && listener.authentication?.type === 'scram-sha-512',
    `${at}: the listener on ${port} (KAFKA_BROKERS) must be tls: true with authentication scram-sha-512`,
  );
  const authorization = resource.spec?.kafka?.authorization ?? {};
  expect(
    authorization.type === 'simple' && JSON.stringify(authorization.superUsers ?? []) === JSON.stringify(['operator']),
    `${at}: authorization must be simple with the operator the only super user (no service is one)`,
  );
  expectResources(`${at}: entityOperator.userOperator`, resource.spec?.entityOperator?.userOperator?.resources);
  const users = new Map(
    ofCluster('KafkaUser')
      .filter(({ resource: user }) => user.metadata?.labels?.['strimzi.io/cluster'] === cluster)
      .map(({ resource: user }) => [user.metadata?.name, user]),
  );
  for (const principal of KAFKA_PRINCIPALS) {
    const user = users.get(principal);
    expect(user?.spec?.authentication?.type === 'scram-sha-512', `infra/k8s: no KafkaUser ${principal} (scram-sha-512) of the cluster ${cluster}`);
    if (principal !== 'operator')
      expect(
        user?.spec?.authorization?.type === 'simple' && (user.spec.authorization.acls ?? []).length > 0,
        `infra/k8s: KafkaUser ${principal} must carry its generated ACLs (npx medshare acls strimzi)`,
      );
  }
}

checkDockerfile();
checkCompose();
checkKubernetes();

if (problems.length > 0) {
  process.stderr.write(`check-packaging: ${problems.length} problem(s) in ${checks} checks:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-packaging: ${checks} checks passed (${SERVICES.size} services: ${[...SERVICES].map(([name, { port }]) => `${name}:${port}`).join(', ')})\n`,
);
