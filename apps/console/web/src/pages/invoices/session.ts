// What the issuing session banner says and offers in each state of the provider's tax-bureau session. Issuing
// pauses for the whole company while the drawer's 电子税务局 login or face verification is due, so the banner
// names the person, the place and the next click (the API's own `action` text when it gives one, these steps
// otherwise); staff who may not act get no buttons and are told whom to ask.
import type { InvoiceSessionState } from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

export type SessionButton = 'refresh' | 'faceQr';

export interface CallToAction {
  type: 'success' | 'info' | 'warning' | 'error';
  title: Pair;
  /** Numbered steps for staff who may act (shown when the API gives no `action` text; its text names the same buttons). */
  steps: readonly Pair[];
  /** Whom to ask, for staff who may not act. */
  ask: Pair | null;
  buttons: readonly SessionButton[];
}

const ASK: Pair = ['请联系财务或管理员处理（开票人需在场）。', 'Ask finance or an administrator (with the drawer present).'];
export const REFRESH_LATER: Pair = ['完成后点击「刷新状态」；状态恢复后，暂停的发票会自动继续开具。', 'Then click "Refresh status"; paused invoices resume by themselves once it is back.'];

export function sessionCallToAction(state: InvoiceSessionState | null | undefined, canAct: boolean): CallToAction {
  switch (state) {
    case 'OK':
      return {
        type: 'success',
        title: ['开票通道正常：电子税务局已登录，可以开票', 'Issuing works: the tax bureau session is live'],
        steps: [],
        ask: null,
        buttons: canAct ? ['refresh'] : [],
      };
    case 'LOGIN_REQUIRED':
      return {
        type: 'error',
        title: ['电子税务局登录已失效，开票已暂停', 'The tax bureau login has lapsed: issuing is paused'],
        steps: canAct ? [
          ['请开票人登录开票服务商（诺诺）的控制台，在「电子税务局账号」中重新登录（输入短信验证码）。', "Have the drawer sign in to the provider's (Nuonuo) console and log in to the tax bureau account again (SMS code)."],
          REFRESH_LATER,
        ] : [],
        ask: canAct ? null : ASK,
        buttons: canAct ? ['refresh'] : [],
      };
    case 'FACE_REQUIRED':
      return {
        type: 'warning',
        title: ['需要开票人人脸认证，开票已暂停', "The drawer's face verification is due: issuing is paused"],
        steps: canAct ? [
          ['点击「获取人脸认证二维码」。', 'Click "Get the face-verification QR code".'],
          ['开票人用「电子税务局」App 或「个人所得税」App 扫码，完成刷脸。', 'The drawer scans it with the tax bureau app (or the IIT app) and completes the face scan.'],
          REFRESH_LATER,
        ] : [],
        ask: canAct ? null : ASK,
        buttons: canAct ? ['faceQr', 'refresh'] : [],
      };
    default:
      return {
        type: 'info',
        title: ['尚未获取开票通道状态', 'The issuing session has not been checked yet'],
        steps: canAct ? [['点击「刷新状态」向开票服务商查询。', 'Click "Refresh status" to ask the provider.']] : [],
        ask: null,
        buttons: canAct ? ['refresh'] : [],
      };
  }
}
