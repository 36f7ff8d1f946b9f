// The company's daily close (日结; finance, admins): the days at /daily-close, one day at /daily-close/<day>.
import { Route, Routes } from 'react-router-dom';
import DaysList from './DaysList';
import DayView from './DayView';

export default function DailyClosePage() {
  return (
    <Routes>
      <Route index element={<DaysList />} />
      <Route path=":day" element={<DayView />} />
    </Routes>
  );
}
