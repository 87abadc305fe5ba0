#!/usr/bin/env node
// Drives a fleet server from Node.js with @grpc/grpc-js, loading the contract
// from ../../proto at run time with @grpc/proto-loader (no code generation).
// Same flow as the Go demo (clients/go/cmd/fleet-demo): authenticate with an
// API key, create a location and a machine, authenticate as the machine's main
// part with its secret, push three log entries through RobotService.Log while
// tailing them with AppService.TailRobotPartLogs, read them back with
// GetRobotPartLogs and print a JSON summary on stdout. Any failure exits
// non-zero with the failing step on stderr.
//
//   npm ci && node demo.js --addr 127.0.0.1:8080 --key-id ID --key KEY --org-id ORG
'use strict';

const crypto = require('crypto');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const PROTO_FILES = ['proto/rpc/v1/auth.proto', 'viam/app/v1/app.proto', 'viam/app/v1/robot.proto'];
const NUM_LOGS = 3;
const TAIL_WAIT_MS = 15000;

function parseArgs(argv) {
  const opts = { addr: '127.0.0.1:8080', keyId: '', key: '', orgId: '', timeoutMs: 60000 };
  const names = {
    '--addr': 'addr', '--key-id': 'keyId', '--key': 'key', '--org-id': 'orgId',
    '--timeout-ms': 'timeoutMs',
  };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') {
      console.log('usage: node demo.js --addr HOST:PORT --key-id ID --key KEY --org-id ORG [--timeout-ms N]');
      process.exit(0);
    }
    if (!(flag in names)) throw new Error(`unknown flag ${flag}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const name = names[flag];
    opts[name] = typeof opts[name] === 'number' ? Number(value) : value;
  }
  if (!opts.keyId || !opts.key || !opts.orgId) throw new Error('--key-id, --key and --org-id are required');
  return opts;
}

// The .proto files import google/protobuf/{struct,timestamp}.proto. protobufjs
// (under proto-loader) bundles those well-known types and resolves them before
// consulting includeDirs, so only our proto/ directory needs to be listed.
function loadContract() {
  const definition = protoLoader.loadSync(PROTO_FILES, {
    includeDirs: [PROTO_DIR],
    keepCase: false, // fields in lowerCamelCase: loggerName, accessToken, ...
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  for (const name of ['google.protobuf.Struct', 'google.protobuf.Timestamp']) {
    if (!(name in definition)) throw new Error(`well-known type ${name} was not loaded`);
  }
  return grpc.loadPackageDefinition(definition);
}

function describe(err) {
  if (err && err.code !== undefined && err.details !== undefined) {
    return `rpc error: code = ${grpc.status[err.code] || err.code} desc = ${err.details}`;
  }
  return String(err && err.message ? err.message : err);
}

class StepError extends Error {
  constructor(step, cause) {
    super(`${step}: ${describe(cause)}`);
  }
}

async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StepError) throw err;
    throw new StepError(name, err);
  }
}

function bearer(token) {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

function unary(client, method, request, metadata, deadline) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata || new grpc.Metadata(), { deadline }, (err, response) => {
      if (err) reject(err);
      else resolve(response);
    });
  });
}

// google.protobuf.Struct <-> plain JSON values, as proto-loader leaves them raw.
function toValue(v) {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}

function toStruct(obj) {
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toValue(v)])) };
}

function fromValue(v) {
  const kind = v.kind || ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue'].find((k) => v[k] !== undefined && v[k] !== null);
  switch (kind) {
    case 'nullValue': return null;
    case 'numberValue': return v.numberValue;
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'structValue': return fromStruct(v.structValue);
    case 'listValue': return (v.listValue.values || []).map(fromValue);
    default: return null;
  }
}

function fromStruct(s) {
  if (!s) return null;
  return Object.fromEntries(Object.entries(s.fields || {}).map(([k, v]) => [k, fromValue(v)]));
}

function toTimestamp(ms) {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function fromTimestamp(ts) {
  if (!ts) return '';
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1e6);
  return new Date(ms).toISOString();
}

function summarize(entries) {
  return entries.map((e) => ({
    message: e.message,
    level: e.level,
    logger_name: e.loggerName,
    host: e.host,
    time: fromTimestamp(e.time),
    caller: fromStruct(e.caller),
    fields: (e.fields || []).map(fromStruct),
  }));
}

async function run(opts) {
  const started = Date.now();
  const deadline = new Date(started + opts.timeoutMs);
  const root = loadContract();
  const creds = grpc.credentials.createInsecure();
  const auth = new root.proto.rpc.v1.AuthService(opts.addr, creds);
  const app = new root.viam.app.v1.AppService(opts.addr, creds);
  const robot = new root.viam.app.v1.RobotService(opts.addr, creds);
  const clients = [auth, app, robot];
  const summary = { client: 'node', organization_id: opts.orgId };
  let tail = null;
  let finished = false;

  try {
    // 1. API key -> bearer token.
    const authResp = await step('Authenticate(api-key)', async () => {
      const r = await unary(auth, 'Authenticate', { entity: opts.keyId, credentials: { type: 'api-key', payload: opts.key } }, null, deadline);
      if (!r.accessToken) throw new Error('empty access_token');
      return r;
    });
    const userMd = bearer(authResp.accessToken);

    const orgs = await step('ListOrganizations', () => unary(app, 'ListOrganizations', {}, userMd, deadline));
    summary.organization_names = orgs.organizations.map((o) => o.name);

    // 2. A location and a machine in it.
    const tag = crypto.randomBytes(4).toString('hex');
    const loc = await step('CreateLocation', () =>
      unary(app, 'CreateLocation', { organizationId: opts.orgId, name: `node-demo-${tag}` }, userMd, deadline));
    summary.location_id = loc.location.id;
    summary.location_name = loc.location.name;

    summary.robot_name = `node-rover-${tag}`;
    const newRobot = await step('NewRobot', () =>
      unary(app, 'NewRobot', { name: summary.robot_name, location: summary.location_id }, userMd, deadline));
    summary.robot_id = newRobot.id;

    // 3. Its main part and the part secret.
    const main = await step('GetRobotParts', async () => {
      const r = await unary(app, 'GetRobotParts', { robotId: summary.robot_id }, userMd, deadline);
      const mains = r.parts.filter((p) => p.mainPart);
      if (mains.length !== 1) throw new Error(`expected one main part, got ${mains.length} of ${r.parts.length} parts`);
      if (!mains[0].secret) throw new Error('main part has no secret');
      return mains[0];
    });
    Object.assign(summary, { part_id: main.id, part_name: main.name, part_fqdn: main.fqdn, part_secret_length: main.secret.length });

    // 4. Authenticate as the machine (its main part) with the part secret.
    const machineAuth = await step('Authenticate(robot-secret)', async () => {
      const r = await unary(auth, 'Authenticate', { entity: main.id, credentials: { type: 'robot-secret', payload: main.secret } }, null, deadline);
      if (!r.accessToken) throw new Error('empty access_token');
      return r;
    });
    summary.machine_token_ok = true;
    const machineMd = bearer(machineAuth.accessToken);

    // 5. Tail the part's logs as the API key caller.
    const tailed = [];
    let batches = 0;
    let tailError = null;
    let wake = () => {};
    tail = app.TailRobotPartLogs({ id: main.id, errorsOnly: false }, userMd, { deadline });
    // The tail only delivers entries ingested after it is registered; the server
    // sends the response headers once it is.
    let subscribed = false;
    tail.on('metadata', () => {
      subscribed = true;
      wake();
    });
    tail.on('data', (resp) => {
      batches++;
      tailed.push(...resp.logs);
      wake();
    });
    tail.on('error', (err) => {
      if (!finished) tailError = err;
      wake();
    });
    tail.on('end', () => {
      if (!finished && !tailError) tailError = new Error('stream ended by the server');
      wake();
    });
    while (!subscribed && !tailError) await new Promise((resolve) => { wake = resolve; });
    if (tailError) throw new StepError('TailRobotPartLogs', tailError);

    // 6. Push three entries as the machine.
    const base = Date.now();
    const levels = ['info', 'warn', 'error'];
    summary.pushed = [];
    const logs = [];
    for (let i = 0; i < NUM_LOGS; i++) {
      const message = `node demo ${tag} entry ${i + 1}`;
      summary.pushed.push(message);
      logs.push({
        host: 'node-demo-host',
        level: levels[i % levels.length],
        time: toTimestamp(base + i),
        loggerName: 'fleet-demo.node',
        message,
        caller: toStruct({ Defined: true, File: 'clients/node/demo.js', Line: 100 + i }),
        fields: [toStruct({ key: 'index', value: i + 1 })],
      });
    }
    await step('RobotService.Log', () => unary(robot, 'Log', { id: main.id, logs }, machineMd, deadline));

    // 7. Read them back (newest first).
    const page = await step('GetRobotPartLogs', () => unary(app, 'GetRobotPartLogs', { id: main.id }, userMd, deadline));
    summary.read_back = summarize(page.logs);

    // 8. Wait until the tail has delivered all of them.
    await step('TailRobotPartLogs', () => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${tailed.length} of ${NUM_LOGS} entries within ${TAIL_WAIT_MS} ms`)), TAIL_WAIT_MS);
      wake = () => {
        if (tailed.length >= NUM_LOGS) {
          clearTimeout(timer);
          resolve();
        } else if (tailError) {
          clearTimeout(timer);
          reject(new Error(`after ${tailed.length} of ${NUM_LOGS} entries: ${describe(tailError)}`));
        }
      };
      wake();
    }));
    summary.tail_batches = batches;
    summary.tailed = summarize(tailed);
    summary.elapsed_ms = Date.now() - started;
    return summary;
  } finally {
    finished = true;
    if (tail) tail.cancel();
    clients.forEach((c) => c.close());
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fleet-demo (node): ${err.message}\n`);
    process.exit(2);
  }
  try {
    const summary = await run(opts);
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } catch (err) {
    process.stderr.write(`fleet-demo (node): FAILED at ${err.message}\n`);
    process.exitCode = 1;
  }
}

main();
