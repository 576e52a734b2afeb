import { createDocumentClient, requireEnv, stateTableEnvVar } from '../../index';
import { defineService, itemChecks } from '../../shared/consumer';
import { dynamoChargeLedger } from '../adapters/charge-ledger-dynamo';
import { createPaymentProvider } from '../adapters/payment-provider';
import { catalog } from '../catalog';
import { paymentFailureRate } from '../faults';
import { paymentsService } from '../services/payments';

const provider = createPaymentProvider({
  ledger: dynamoChargeLedger(
    createDocumentClient(),
    requireEnv(stateTableEnvVar('payments', 'provider-charges')),
    itemChecks(catalog, 'payments').of('provider-charges'),
  ),
  failureRate: () => paymentFailureRate(),
});

/** Lambda entry of the `payments` service: the handlers with the stub provider on its DynamoDB ledger. */
export const handler = defineService(paymentsService(provider));
