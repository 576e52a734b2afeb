/**
 * The `data` of the example's events, as TypeScript types. They mirror `example/schemas.ts`; the
 * runtime validated every consumed event against its schema, so handlers may trust these shapes.
 */
export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

export interface OrderRequested {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency?: string;
  readonly items: readonly OrderLine[];
  readonly paymentToken?: string;
}

export interface OrderValidated {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentToken?: string;
}

export interface OrderRejected {
  readonly orderId: string;
  readonly customerId: string;
  readonly reasons: readonly string[];
}

export interface OrderConfirmed {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly homeAmount: number;
  readonly homeCurrency: string;
}

export interface OrderCancelled {
  readonly orderId: string;
  readonly customerId: string;
  readonly reason: string;
}

export interface PaymentProcessed {
  readonly orderId: string;
  readonly chargeId: string;
  readonly amount: number;
  readonly currency: string;
  readonly homeAmount: number;
  readonly homeCurrency: string;
  readonly rate: number;
}

export interface PaymentFailed {
  readonly orderId: string;
  readonly reason: 'DECLINED' | 'NO_RATE';
  readonly detail?: string;
}

export interface OrderShipped {
  readonly orderId: string;
  readonly customerId: string;
  readonly carrier: string;
  readonly trackingId: string;
}

export interface OrderDelivered {
  readonly orderId: string;
  readonly customerId: string;
  readonly homeAmount: number;
  readonly homeCurrency: string;
}

export interface ExchangeRateSet {
  readonly pair: string;
  readonly rate: number;
  readonly asOf?: string;
}

export interface UserSignedUp {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
}

export interface UserDeleted {
  readonly userId: string;
}

/** An event a decision asks the service to emit. */
export type Emit<TType extends string = string, TData = unknown> = {
  readonly type: TType;
  readonly data: TData;
};

/** Every event type of the order flow with its data, for exhaustive handling. */
export interface OrderFlowEvents {
  OrderRequested: OrderRequested;
  OrderValidated: OrderValidated;
  OrderRejected: OrderRejected;
  OrderConfirmed: OrderConfirmed;
  OrderCancelled: OrderCancelled;
  PaymentProcessed: PaymentProcessed;
  PaymentFailed: PaymentFailed;
  OrderShipped: OrderShipped;
  OrderDelivered: OrderDelivered;
}

export type FlowEvent = {
  [K in keyof OrderFlowEvents]: { type: K; data: OrderFlowEvents[K] };
}[keyof OrderFlowEvents];
