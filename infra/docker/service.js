// Container entry: gives the instance a unique id, then starts the service whose main the image was built for.
// Every container's process is pid 1, so the services' default INSTANCE_ID (the pid) would collide across
// replicas (consumer groups, request/reply routing); the hostname (container id, pod name) is unique.
const { hostname } = require('node:os');

process.env.INSTANCE_ID ??= hostname();
require(`./dist/apps/${process.env.MEDSHARE_SERVICE}/src/main.js`);
