/**
 * `mqtt-desk-broker`: the sidecar broker. The full MQTT 3.1/3.1.1/5.0 broker is built
 * under its own issue; until then this entry says so instead of pretending to listen.
 */

console.error('mqtt-desk-broker: the sidecar broker is not built yet. Use mosquitto meanwhile: mosquitto -p 1883 -v');
process.exit(2);
