import { useState } from 'react';
import type { BrokerClientInfo } from '../../../shared/broker-control';
import { BrokerClientPackets } from './broker-client-packets';
import { BrokerViolations } from './broker-violations';

/**
 * How a person debugs a device with the local broker: connect it, then read what it sent
 * ("Client packets") and what was wrong with it ("Protocol violations"). A violation's client
 * opens that client's packets.
 */
export function BrokerDebugging({ running, clients }: { running: boolean; clients: BrokerClientInfo[] }) {
  const [client, setClient] = useState<string | undefined>();
  const [violators, setViolators] = useState<string[]>([]);
  const show = (name: string): void => {
    setViolators((known) => (known.includes(name) ? known : [...known, name]));
    setClient(name);
  };
  return (
    <div className="broker-debugging">
      <BrokerViolations running={running} onShowClient={show} />
      <BrokerClientPackets running={running} clients={clients} extra={violators} client={client} onClient={setClient} />
    </div>
  );
}
