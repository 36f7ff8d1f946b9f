'use strict';
/**
 * 报修 / 投诉 and 室温报告: the forms, the photo picker (upload as picked, the server's size/type refusals
 * shown, no submit while uploading), the API's field errors under their fields, and the ticket page
 * opened after submitting. GraphQL and the upload are faked at the HTTP layer (tests/support/fake-services.js).
 */
const { openPage, text, texts, tap, waitFor } = require('../support/pages');
const { useServicesEnv } = require('../support/services-env');

const env = useServicesEnv();
const { setUp, input, lastNavigation, opsOf, pickPhotos } = env;

describe('报修 / 投诉', () => {
  test('two houses to choose from, the company’s repair categories; 投诉 switches to its own', async () => {
    const page = await openPage('repair');
    expect(texts(page, '#houses .strong')).toEqual(['户号 H10001', '户号 H10002']);
    expect(texts(page, '#categories .chip')).toEqual(['暖气不热', '管道漏水']);
    await tap(page, '#kind-complaint');
    expect(texts(page, '#categories .chip')).toEqual(['服务态度']);
    expect(text(page, '#categories .field-label')).toBe('投诉类别');
    expect(opsOf('TicketCategories').map((c) => c.variables.kind)).toEqual(['REPAIR', 'COMPLAINT']);
  });

  test('?kind=COMPLAINT&houseId= opens on 投诉 with that house chosen', async () => {
    const page = await openPage('repair', { kind: 'complaint', houseId: '12' });
    expect(page.instance.data.kind).toBe('COMPLAINT');
    expect(page.instance.data.houseId).toBe('12');
  });

  test('the form’s own checks before anything is sent', async () => {
    const page = await openPage('repair');
    await tap(page, '#submit');
    expect(text(page, '#error-house-id')).toBe('请选择房屋');
    expect(text(page, '#error-category-id')).toBe('请选择类别');
    expect(text(page, '#error-description')).toBe('请描述需要维修的问题');
    expect(text(page, '#error-contact-name')).toBe('请填写联系人');
    await input(page, '#contact-phone', 'abc');
    await tap(page, '#submit');
    expect(text(page, '#error-contact-phone')).toBe('请输入有效的电话号码');
    expect(opsOf('SubmitTicket')).toHaveLength(0);
  });

  test('a repair with two photos is submitted and its page opens', async () => {
    const page = await openPage('repair');
    await tap(page, '#house-11');
    await tap(page, '#category-2');
    await input(page, '#description', '厨房暖气管接口漏水');
    await input(page, '#contact-name', '王建国');
    await input(page, '#contact-phone', '13800138000');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/leak-1.jpg', size: 300000 }, { tempFilePath: 'wxfile://tmp/leak-2.jpg', size: 400000 }]);
    expect(page.querySelectorAll('#photos >>> .photo-cell').length).toBe(3); // two photos and the add cell
    expect(env.api.uploads.map((u) => u.formData.purpose)).toEqual(['ticket', 'ticket']);
    await tap(page, '#submit');
    const sent = opsOf('SubmitTicket')[0].variables.input;
    expect(sent).toMatchObject({ houseId: '11', kind: 'REPAIR', categoryId: '2', description: '厨房暖气管接口漏水', contactName: '王建国',
      contactPhone: '13800138000' });
    expect(sent.photoIds).toHaveLength(2);
    const ticket = env.api.services.tickets[0];
    expect(ticket.photoIds).toEqual(sent.photoIds);
    expect(lastNavigation()).toEqual({ type: 'redirectTo', url: `/pages/ticket-detail/ticket-detail?id=${ticket.id}` });
    expect(env.wx.calls.toast).toContain('已提交');
  });

  test('the server’s refusals of pictures are shown and the picture dropped; the rest are kept', async () => {
    const page = await openPage('repair');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/ok.jpg', size: 1000 }, { tempFilePath: 'wxfile://tmp/big.jpg', size: 1000 }]);
    expect(text(page, '#photos >>> .photo-error')).toBe('照片不能超过 5 MB。');
    expect(page.querySelector('#photos').instance.value().photoIds).toHaveLength(1);
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/notimage.pdf', size: 1000 }]);
    expect(text(page, '#photos >>> .photo-error')).toBe('只能上传 JPEG、PNG 或 WebP 图片。');
    expect(page.querySelector('#photos').instance.value().photoIds).toHaveLength(1);
  });

  test('a picture over 5 MB on the phone is not even sent', async () => {
    const page = await openPage('repair');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/huge.jpg', size: 6 * 1024 * 1024 }]);
    expect(text(page, '#photos >>> .photo-error')).toBe('图片不能超过 5 MB');
    expect(env.api.uploads).toHaveLength(0);
  });

  test('up to 9 pictures: the picker asks only for what is left and then hides its add cell', async () => {
    const page = await openPage('repair');
    const files = (n) => Array.from({ length: n }, (x, i) => ({ tempFilePath: `wxfile://tmp/p${n}-${i}.jpg`, size: 1000 }));
    await pickPhotos(page, files(7));
    expect(env.wx.calls.choose[0].count).toBe(9);
    await pickPhotos(page, files(2));
    expect(env.wx.calls.choose[1].count).toBe(2);
    expect(page.querySelector('#photos >>> #photo-add')).toBeUndefined();
    await tap(page, '#photos >>> .photo-remove');
    expect(page.querySelector('#photos >>> #photo-add')).toBeDefined();
    expect(page.querySelector('#photos').instance.value().photoIds).toHaveLength(8);
  });

  test('no submit while a picture is still uploading', async () => {
    const page = await openPage('repair');
    await tap(page, '#house-11');
    await tap(page, '#category-1');
    await input(page, '#description', '不热');
    await input(page, '#contact-name', '王建国');
    env.wx.options.chooseMedia = () => [{ tempFilePath: 'wxfile://tmp/slow.jpg', size: 1000 }];
    await tap(page, '#photos >>> #photo-add');
    expect(text(page, '#photos >>> .photo-uploading')).toBe('上传中');
    await tap(page, '#submit');
    expect(text(page, '#form-error')).toBe('图片正在上传，请稍候再提交');
    env.api.releaseUploads();
    await waitFor(() => page.instance.data.uploading === 0, 2000, 'upload');
    await tap(page, '#submit');
    expect(opsOf('SubmitTicket')[0].variables.input.photoIds).toHaveLength(1);
  });

  test('the API’s field errors land under their fields, others above the button', async () => {
    env.api.on('SubmitTicket', () => ({ submitTicket: { ticket: null, errors: [
      { field: 'description', message: '最多 1000 个字。', code: 'TOO_LONG' },
      { field: null, message: '提交过于频繁，请稍后再试。', code: 'RATE_LIMITED' },
    ] } }));
    const page = await openPage('repair', { houseId: '11' });
    await tap(page, '#category-1');
    await input(page, '#description', '不热');
    await input(page, '#contact-name', '王建国');
    await tap(page, '#submit');
    expect(text(page, '#error-description')).toBe('最多 1000 个字。');
    expect(text(page, '#form-error')).toBe('提交过于频繁，请稍后再试。');
    expect(page.instance.data.submitting).toBe(false);
    expect(env.wx.calls.navigate).toHaveLength(0);
  });

  test('one house is chosen for the resident; none bound invites binding one', async () => {
    setUp({ bound: ['11'] });
    const one = await openPage('repair');
    expect(one.instance.data.houseId).toBe('11');
    setUp({ bound: [] });
    const none = await openPage('repair');
    expect(text(none, '#state-no-house .state-title')).toBe('还没有绑定房屋');
    await tap(none, '#bind-house');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/house-bind/house-bind' });
  });

  test('a failed load offers a retry', async () => {
    env.api.on('TicketCategories', () => { throw { errMsg: 'request:fail ECONNREFUSED' }; });
    const page = await openPage('repair');
    expect(text(page, '#state-error .late')).toBe('网络不给力，请检查网络后重试');
    env.api.off('TicketCategories');
    await page.instance.onRetry();
    expect(texts(page, '#categories .chip')).toEqual(['暖气不热', '管道漏水']);
  });
});

describe('室温报告', () => {
  async function fill(page, temp) {
    await tap(page, '#house-12');
    await input(page, '#reported-temp', temp);
    await input(page, '#contact-name', '李淑芬');
  }

  test('a reading with a thermometer photo becomes a TEMPERATURE ticket', async () => {
    const page = await openPage('temperature');
    await fill(page, '15');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/thermo.jpg', size: 1000 }]);
    expect(page.querySelector('#photos >>> #photo-add')).toBeUndefined(); // one photo at most
    expect(env.api.uploads[0].formData).toEqual({ purpose: 'thermometer' });
    await tap(page, '#submit');
    const sent = opsOf('SubmitTicket')[0].variables.input;
    expect(sent).toMatchObject({ houseId: '12', kind: 'TEMPERATURE', reportedTemp: '15.0', description: '住户报告室温 15.0℃', contactName: '李淑芬' });
    expect(sent).not.toHaveProperty('categoryId');
    expect(sent.photoIds).toHaveLength(1);
    expect(lastNavigation().url).toBe(`/pages/ticket-detail/ticket-detail?id=${env.api.services.tickets[0].id}`);
  });

  test('the note, when written, is the description', async () => {
    const page = await openPage('temperature');
    await fill(page, '16.5');
    await input(page, '#description', '卧室偏冷');
    await tap(page, '#submit');
    expect(opsOf('SubmitTicket')[0].variables.input).toMatchObject({ reportedTemp: '16.5', description: '卧室偏冷' });
  });

  test('out of range or two decimals is refused on the phone; the server’s INVALID_TEMPERATURE under the field', async () => {
    const page = await openPage('temperature');
    await fill(page, '41');
    await tap(page, '#submit');
    expect(text(page, '#error-reported-temp')).toBe('温度应在 -10℃ 至 40℃ 之间');
    await input(page, '#reported-temp', '15.25');
    await tap(page, '#submit');
    expect(text(page, '#error-reported-temp')).toBe('请填写数字，最多一位小数，如 16.5');
    expect(opsOf('SubmitTicket')).toHaveLength(0);

    env.api.on('SubmitTicket', () => ({ submitTicket: { ticket: null, errors: [
      { field: 'reportedTemp', message: '室温应在 −10℃ 至 40℃ 之间，最多一位小数。', code: 'INVALID_TEMPERATURE' }] } }));
    await input(page, '#reported-temp', '15.2');
    await tap(page, '#submit');
    expect(text(page, '#error-reported-temp')).toBe('室温应在 −10℃ 至 40℃ 之间，最多一位小数。');
  });

  test('a network failure on submit is shown and nothing navigates', async () => {
    env.api.on('SubmitTicket', () => { throw { errMsg: 'request:fail timeout' }; });
    const page = await openPage('temperature');
    await fill(page, '14.5');
    await tap(page, '#submit');
    expect(text(page, '#form-error')).toBe('请求超时，请稍后重试');
    expect(opsOf('SubmitTicket')).toHaveLength(1); // a mutation is never re-sent after a timeout
    expect(env.wx.calls.navigate).toHaveLength(0);
  });
});
