/** The demo's WhatsApp-style conversations: customers in three languages, staff replies, an edit, a redaction. */
export interface DemoStep {
  from: 'customer' | 'staff';
  text: string;
  /** Replace the text of the conversation's step with this index (an edit, m.replace). */
  edits?: number;
  /** Redact the conversation's step with this index afterwards. */
  redacts?: number;
}

export interface DemoConversation {
  name: string;
  phone: string;
  steps: DemoStep[];
}

export const CONVERSATIONS: DemoConversation[] = [
  {
    name: 'Lucía Fernández',
    phone: '34612345678',
    steps: [
      { from: 'customer', text: 'Hola, ¿dónde está mi pedido 4711? Lo pedí hace una semana.' },
      { from: 'customer', text: 'Hola, ¿dónde está mi pedido 4712? (perdón, era otro número)', edits: 0 },
      { from: 'staff', text: '¡Hola Lucía! Tu pedido 4712 sale hoy, mañana lo tienes.' },
      { from: 'customer', text: '¡Genial, muchas gracias!' },
    ],
  },
  {
    name: 'Jonas Becker',
    phone: '4915112345678',
    steps: [
      { from: 'customer', text: 'Das Paket kam schon wieder kaputt an. Das ist das dritte Mal!' },
      { from: 'customer', text: 'I want to complain, this is terrible service and I am very angry.' },
      { from: 'staff', text: 'Das tut uns sehr leid, Jonas. Wir schicken heute Ersatz.' },
    ],
  },
  {
    name: 'Amara Okafor',
    phone: '447700900123',
    steps: [
      { from: 'customer', text: 'Hi, I was charged twice for my subscription this month.' },
      { from: 'customer', text: 'My card number is 4111 1111 1111 1111 if you need it' },
      { from: 'customer', text: '', redacts: 1 },
      { from: 'staff', text: 'Thanks Amara, please never send card numbers here. We refunded the duplicate charge.' },
    ],
  },
];
